"""Print the SIMD extensions numpy dispatches to on this CPU beyond its baseline, space
separated: what ``NPY_DISABLE_CPU_FEATURES`` takes to run numpy as on an older CPU.

`make test` runs the golden notebooks a second time with all of them off, because a shown
number must not depend on the CPU: numpy sorts with other kernels on AVX2 and AVX-512
machines, and those broke ties differently (see README, Set-up).
"""

from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

print(" ".join(f for f in __cpu_dispatch__ if __cpu_features__.get(f)))
