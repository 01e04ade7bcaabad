"""The holiday calendar and business-day arithmetic behind legal processing times.

1. `business_days` — pure date arithmetic: weekends (Saturday, Sunday) and a set of holidays are
   skipped; dates are Bangkok local dates (`bangkok_date`).
2. `models.Holiday` — one row per public holiday; seeded from the `holidays` package (Thai
   names and English names, substitution days included) and edited by a portal administrator
   at `/backoffice/admin/holidays` or with `portal holidays add/remove`.
3. `service` — `seed_holidays`, `add_holiday`, `remove_holiday` (audited), `holidays_between`,
   and `add_business_days_on_calendar`, which reads just the holidays a calculation needs.
4. `services.petitions.deadlines` uses them to set, pause, resume and escalate due dates.
"""
