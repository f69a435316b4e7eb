"""`make bench`: every benchmark, each figure a ratio measured in the same run."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# bench_stats.py last: it generates up to 1M cases (about half an hour).
BENCHES = ["bench_timing.py", "bench_search.py", "bench_knowledge.py", "bench_suggest.py", "bench_cases.py", "bench_hotline.py", "bench_supervision.py", "bench_joint.py", "bench_audit.py",
           "bench_hall.py", "bench_startup.py", "bench_stats.py"]

failed = False
for name in BENCHES:
    print(f"== {name} ==", flush=True)
    failed |= subprocess.run([sys.executable, str(HERE / name)]).returncode != 0
sys.exit(1 if failed else 0)
