"""The regional map: the shipped boundary file (``shapes``), its build (``build``, needs the
``maps`` extra) and the SVG drawing (``svg``)."""
