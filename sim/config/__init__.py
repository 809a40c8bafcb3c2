"""The bottom layer: what every other layer reads and nothing here simulates. The parameter
registry (``params``), the outcome declarations (``outcomes``), scenario files (``scenario``), run
presets (``presets``), enums, errors, the calendar and lazy package exports (``lazy``)."""
