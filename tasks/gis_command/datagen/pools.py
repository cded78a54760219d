"""Value pools of the gis_command generator: open vocabularies per split (ID / OOD) and closed ones shared by all.

``train``/``test`` draw from ``ID_POOLS`` and ``ood`` from ``OOD_POOLS``, which share no value; the closed
vocabularies (shapes, styles, units) are the same in every split and listed in ``CLOSED_STRINGS``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pools:
    """The open-vocabulary values a sampler draws from (ID or OOD)."""

    places: tuple[str, ...]
    layers: tuple[str, ...]
    files: dict[str, tuple[str, ...]]  # geometry type -> vector files
    labels: tuple[str, ...]
    urls: tuple[str, ...]
    wms_layers: tuple[str, ...]
    regions: tuple[str, ...]  # polygon layers a map is styled on
    attributes: tuple[str, ...]  # shown as words, targets in snake_case


ID_POOLS = Pools(
    places=(
        "Paris", "London", "Tokyo", "Nairobi", "Lima", "Cairo", "Sydney", "Toronto", "Mumbai", "Berlin",
        "Madrid", "Rome", "Istanbul", "Bangkok", "Jakarta", "Mexico City", "Buenos Aires", "Cape Town",
        "New York", "Los Angeles", "Chicago", "Moscow", "Beijing", "Seoul", "Dubai", "Tehran", "Lagos",
        "Santiago", "Bogota", "Oslo", "Helsinki", "Vienna", "Prague", "Lisbon", "Athens", "Dublin",
        "Vancouver", "Auckland", "Hanoi", "Manila",
    ),
    layers=(
        "satellite", "terrain", "roads", "rivers", "buildings", "parcels", "railways", "lakes", "forests",
        "hillshade", "land cover", "contours", "streets", "parks", "schools", "hospitals", "wells", "airports",
        "coastline", "admin boundaries",
    ),
    files={
        "point": ("wells.kml", "schools.geojson", "hospitals.shp", "bus_stations.geojson", "shops.csv"),
        "polyline": ("rivers.shp", "roads.geojson", "railways.kml", "trails.shp", "power_grid.geojson"),
        "polygon": ("parcels.shp", "lakes.geojson", "districts.kml", "buildings.shp", "parks.geojson"),
    },
    labels=(
        "Home", "Office", "Base camp", "Meeting point", "Site A", "Depot", "Trailhead", "Clinic", "Bridge",
        "Well 7", "School", "Harbour", "Lookout", "Camp 2", "Station", "Gate 3",
    ),
    urls=(
        "https://maps.example.org/wms", "https://geo.example.com/geoserver/wms", "https://ows.example.net/service",
        "http://gis.example.edu/cgi-bin/mapserv", "https://tiles.example.io/wms", "https://wms.example.org/ows",
    ),
    wms_layers=("elevation", "landuse", "geology", "soils", "temperature", "precipitation", "orthophoto"),
    regions=("provinces", "counties", "districts", "countries", "states", "municipalities", "census tracts"),
    attributes=(
        "population", "median income", "population density", "unemployment rate", "area", "crime rate",
        "life expectancy", "gdp",
    ),
)  # fmt: skip

OOD_POOLS = Pools(
    places=(
        "Ulaanbaatar", "Reykjavik", "Tbilisi", "Windhoek", "Kathmandu", "Asuncion", "Valparaiso", "Zanzibar",
        "Tromso", "Hobart", "Quito", "Yerevan", "Dakar", "Muscat", "Thimphu", "Nuuk", "Ushuaia", "Tashkent",
        "Suva", "Ljubljana",
    ),
    layers=(
        "wetlands", "power lines", "bus stops", "flood zones", "vineyards", "bike lanes", "glaciers",
        "mangroves", "ski runs", "solar farms",
    ),
    files={
        "point": ("fire_hydrants.geojson", "weather_stations.kml", "cell_towers.shp"),
        "polyline": ("pipelines.shp", "ferry_routes.geojson", "canals.kml"),
        "polygon": ("glacier_outlines.shp", "vineyard_plots.geojson", "quarries.kml", "flood_zones_2030.geojson"),
    },
    labels=("Checkpoint Alpha", "Field lab", "Rest stop", "Drone pad", "Sample 12", "Ranger hut"),
    urls=("https://data.example.gov/ows", "https://mapserver.sample.org/wms", "http://geodata.example.ac.uk/wms"),
    wms_layers=("snow_cover", "ndvi", "bathymetry", "night_lights"),
    regions=("wards", "parishes", "watersheds", "school districts"),
    attributes=("literacy rate", "forest cover", "voter turnout", "median age"),
)  # fmt: skip

# Closed vocabularies: the same values in every split.
GEOMETRY_WORDS = {"point": ("point",), "polyline": ("line", "polyline"), "polygon": ("polygon",)}
SHAPE_WORDS = {**GEOMETRY_WORDS, "circle": ("circle",), "rectangle": ("rectangle", "box")}
STYLE_WORDS = {
    "choropleth": ("choropleth map", "choropleth"),
    "heatmap": ("heat map", "heatmap"),
    "graduated": ("graduated symbol map", "graduated symbol layer"),
    "categorized": ("categorized map", "category map"),
}
UNIT_WORDS = {
    "distance": {"m": "meters", "km": "kilometers", "mi": "miles"},
    "area": {"m2": "square meters", "km2": "square kilometers", "ha": "hectares"},
}
BUFFER_METERS = (50, 100, 150, 200, 250, 300, 400, 500, 750, 1000, 1500, 2000, 2500, 5000)
CLOSED_STRINGS = frozenset(
    [*SHAPE_WORDS, *STYLE_WORDS, *UNIT_WORDS, *(unit for units in UNIT_WORDS.values() for unit in units)]
)
