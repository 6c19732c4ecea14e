"""How long a monthly poster takes to typeset, and its ETag (what a 304 costs instead).

    python -m bench.programme_poster   (from the checkout, inside .venv)

Pure: no servers. February 2027 of the poster's unit test: four weekly offers (one page at full
size) and six (one with a five-line title: set again at 90 % to stay one sheet). Medians of 5.
"""

from __future__ import annotations

import statistics
import time
from datetime import date

from services.programme.poster import poster_data, poster_pdf, poster_tag
from tests.poster_programme import SITE, URL, february


def main() -> None:
    every = february()
    four = [d for d in every if d.title in ("Mittagstisch", "Sitzgymnastik", "Zeitungscafé")
            or d.title.startswith("Offener")]
    for name, dates in (("four offers", four), ("six offers, set at 90 %", every)):
        data = poster_data(SITE, date(2027, 2, 1), dates, URL, "a4")
        typeset = []
        for _ in range(5):
            started = time.perf_counter()
            poster_pdf(data, URL)
            typeset.append(time.perf_counter() - started)
        started = time.perf_counter()
        for _ in range(100):
            poster_tag(data, URL)
        tag = (time.perf_counter() - started) / 100
        print(f"{name}: typeset {statistics.median(typeset) * 1000:.0f} ms, "
              f"ETag {tag * 1000:.2f} ms")


if __name__ == "__main__":
    main()
