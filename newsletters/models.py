# Subscribers, issues and deliveries arrive with the newsletter work.
