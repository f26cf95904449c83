"""Admins configure SLAs in the admin; a change re-targets open tickets in the background."""

from datetime import timedelta

from django_tasks_db.models import DBTaskResult

from escala.sla.models import SlaPolicy


def test_saving_a_policy_in_the_admin_queues_a_recompute_of_open_tickets(
    client, admin_user, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/sla/slapolicy/add/",
            {
                "name": "Gold",
                "order": 5,
                "priority": "",
                "first_response_target": "01:00:00",
                "next_response_target": "",
                "resolution_target": "08:00:00",
                "pause_on_pending_customer": "on",
                "warn_percent": 80,
                "is_active": "on",
            },
        )
    assert response.status_code == 302, response.content[:2000]
    assert SlaPolicy.objects.get(name="Gold").resolution_target == timedelta(hours=8)
    assert DBTaskResult.objects.filter(task_path__endswith="recompute_all_clocks").count() == 1


def test_a_warning_share_out_of_range_is_refused_on_the_field(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/admin/sla/slapolicy/add/", {"name": "Bad", "order": 1, "warn_percent": 150}
    )
    assert response.status_code == 200
    assert "warn_percent" in response.context["adminform"].form.errors
    assert not SlaPolicy.objects.filter(name="Bad").exists()
