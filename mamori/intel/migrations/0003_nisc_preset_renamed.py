"""NISC became 内閣官房 国家サイバー統括室 on 2025-07-01: preset feeds still on NISC's old
address and name follow the preset (a name or address the user changed is kept)."""

from django.db import migrations

OLD_URL = "https://www.nisc.go.jp/news/news.rdf"
OLD_NAME = "NISC 新着情報"
NEW_URL = "https://www.nisc.go.jp/rss/nisc.rdf"
NEW_NAME = "内閣官房 国家サイバー統括室 新着情報"


def forwards(apps, schema_editor):
    Feed = apps.get_model("intel", "Feed")
    Feed.objects.filter(preset="nisc", url=OLD_URL).update(
        url=NEW_URL, etag="", last_modified="", last_error=""
    )
    Feed.objects.filter(preset="nisc", name=OLD_NAME).update(name=NEW_NAME)


def backwards(apps, schema_editor):
    Feed = apps.get_model("intel", "Feed")
    Feed.objects.filter(preset="nisc", url=NEW_URL).update(url=OLD_URL)
    Feed.objects.filter(preset="nisc", name=NEW_NAME).update(name=OLD_NAME)


class Migration(migrations.Migration):
    dependencies = [("intel", "0002_timeline_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
