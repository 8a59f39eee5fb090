"""What the planner hands the executor: the plan tree and the normalised operation it answers.

The only package planner and executor share (neither imports the other).
"""
