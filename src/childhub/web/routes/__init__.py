"""One router per resource; ``childhub.web.app.ROUTERS`` lists them in order."""
