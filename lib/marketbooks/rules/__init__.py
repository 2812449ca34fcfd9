"""The rule sets, one module each: pure functions and dataclasses, values and DataFrames in
and out, no file reads, no plotting, no widgets. Each function cites the clause or table it
implements."""
