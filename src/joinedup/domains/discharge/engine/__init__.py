"""Discharge's pure rules: the referral state machine, bed days lost, and matching's checks and
ranking. Data in, data out: nothing here reads the database or knows about the web."""
