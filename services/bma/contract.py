"""The datasets the Bangkok Metropolitan Administration's registry answers: none.

A complaint needs no city register, only the petitioner's name from DOPA for the reply letter.
The file exists so that the guard test which lists every agency folder with a `contract.py`
finds this module too.
"""

from __future__ import annotations

from services.exchange.datasets import DatasetContract

DATASETS: tuple[DatasetContract, ...] = ()
