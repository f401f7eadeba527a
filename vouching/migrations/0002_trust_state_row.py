from django.db import migrations


def create_trust_state(apps, schema_editor):
    TrustState = apps.get_model("vouching", "TrustState")
    TrustState.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("vouching", "0001_initial")]

    operations = [migrations.RunPython(create_trust_state, migrations.RunPython.noop)]
