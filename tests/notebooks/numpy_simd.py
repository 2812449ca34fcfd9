"""Print the SIMD extensions numpy dispatches to on this CPU beyond its baseline, space
separated: what ``NPY_DISABLE_CPU_FEATURES`` takes to run numpy as on an older CPU.

`make test` runs the golden notebooks a second time with all of them off, because a shown
number must not depend on the CPU: numpy sorts with other kernels on AVX2 and AVX-512
machines, and those broke ties differently (docs/performance.md).
"""

import numpy as np

print(" ".join(np.show_config(mode="dicts")["SIMD Extensions"]["found"]))
