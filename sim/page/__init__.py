"""The browser page (Solara, Mesa's SolaraViz): ``app`` (the page and its model class), ``data``
(what it shows and the checking of what users type), ``svg`` (the map and charts), ``export``
(PNG downloads), ``assets`` (the front-end files, fetched once) and ``guard`` (what the server
accepts: loopback Host names, same-origin websockets, no CDN)."""
