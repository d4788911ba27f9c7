import cProfile, pstats, sys, importlib.util
from datetime import timedelta
spec = importlib.util.spec_from_file_location("b", "bench/reports.py"); b = importlib.util.module_from_spec(spec); spec.loader.exec_module(b)
recs = list(b.records(200000))
from sla_timers.reports import compliance
pr = cProfile.Profile(); pr.enable()
compliance(recs, group_by=["priority","business_line"], period="month", zone="America/New_York", start=b.START, end=b.END+timedelta(days=2))
pr.disable()
pstats.Stats(pr).sort_stats("tottime").print_stats(12)
