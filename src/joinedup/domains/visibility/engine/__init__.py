"""The system picture's pure algorithms: statistical process control and its chart, shortfall
of capacity against demand, and the geography of localities. Data in, data out: nothing here
reads the database or knows of the web."""
