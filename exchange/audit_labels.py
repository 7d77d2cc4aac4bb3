"""How exchange changes read in the change history (registered in ExchangeConfig.ready)."""

from exchange.models import ExchangeTeacher, ObserverRegistration, ShanghaiTeacher, Showcase
from hubs import audit

audit.register_actions(
    {
        "exchange.nomination.add": "Nominated a teacher for the exchange",
        "exchange.nomination.remove": "Withdrew an exchange nomination",
        "exchange.shanghai.add": "Added a Shanghai teacher",
        "exchange.shanghai.pair": "Paired a Shanghai teacher with a host",
        "exchange.shanghai.remove": "Removed a Shanghai teacher",
        "exchange.showcase.create": "Planned a showcase lesson",
        "exchange.showcase.update": "Changed a showcase lesson",
        "exchange.showcase.notes": "Recorded the post-lesson discussion",
        "exchange.showcase.open": "Opened a showcase lesson for registration",
        "exchange.showcase.closed": "Closed a showcase lesson",
    }
)
audit.register_types(
    {
        ExchangeTeacher: "exchange nomination",
        ShanghaiTeacher: "Shanghai teacher",
        Showcase: "showcase lesson",
        ObserverRegistration: "showcase lesson registration",
    }
)
