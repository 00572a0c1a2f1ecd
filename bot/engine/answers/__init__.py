"""Reading answers the way customers type them, for every form: dates and times, phone numbers, IMEIs
and serial numbers, the little words (yes, no, back, cancel), and questions asked instead of an answer.
"""
