"""Capacity's pure rules: what a service's stored sections mean (free units, accepting, offered
types), newest-wins merging, freshness, admission hours and the system totals. Data in, data out:
nothing here touches the web or the database, so every domain may use it."""
