"""Seed the official holidays of every year the installed chinesecalendar package holds.

Later package upgrades (a new year published) are picked up by ``manage.py seed_holidays``.
"""

from django.db import migrations

FESTIVAL_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def seed(apps, schema_editor):
    import chinese_calendar

    CalendarYear = apps.get_model("workdays", "CalendarYear")
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    by_year = {}
    for table, kind in (
        (chinese_calendar.holidays, "holiday"),
        (chinese_calendar.workdays, "makeup_workday"),
    ):
        for day, name in table.items():
            label = str(getattr(name, "value", name))
            by_year.setdefault(day.year, []).append((day, kind, FESTIVAL_NAMES.get(label, label)))
    for year in sorted(by_year):
        if CalendarYear.objects.filter(year=year).exists():
            continue
        cal_year = CalendarYear.objects.create(year=year, source="official", complete=True)
        CalendarDay.objects.bulk_create(
            CalendarDay(calendar_year=cal_year, date=d, kind=k, name=n)
            for d, k, n in sorted(by_year[year])
        )


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
