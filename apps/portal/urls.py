from django.urls import path

from apps.portal.urls_allocation import urlpatterns as allocation_patterns
from apps.portal.views import account, auth, booking, video, visits, waitlist

app_name = "portal"
urlpatterns = [
    path("", account.home, name="home"),
    path("sign-in/", auth.sign_in, name="sign_in"),
    path("sign-in/code/", auth.sign_in_code, name="sign_in_code"),
    path("sign-out/", auth.sign_out, name="sign_out"),
    path("profile/", account.profile, name="profile"),
    path("contacts/new/", account.contact_request, name="contact_request"),
    path("coming-with/", account.party_consents, name="party_consents"),
    path(
        "coming-with/<int:consent_id>/withdraw/",
        account.party_consent_withdraw_view,
        name="party_consent_withdraw",
    ),
    path("book/<int:prisoner_id>/", booking.choose, name="book"),
    path("book/<int:prisoner_id>/time/<int:slot_id>/", booking.confirm, name="book_confirm"),
    path("visits/", visits.visit_list, name="visits"),
    path("visits/<str:reference>/", visits.visit_detail, name="visit"),
    path("visits/<str:reference>/calendar.ics", visits.visit_ics, name="visit_ics"),
    path("visits/<str:reference>/cancel/", visits.visit_cancel, name="visit_cancel"),
    path("visits/<str:reference>/join/", video.video_join, name="video_join"),
    path(
        "visits/<str:reference>/join/acknowledge/",
        video.video_acknowledge,
        name="video_acknowledge",
    ),
    path("waitlist/", waitlist.waitlist, name="waitlist"),
    path("waitlist/join/<int:prisoner_id>/", waitlist.join, name="waitlist_join"),
    path("waitlist/<int:entry_id>/accept/", waitlist.accept, name="waitlist_accept"),
    path("waitlist/<int:entry_id>/leave/", waitlist.leave, name="waitlist_leave"),
    *allocation_patterns,
]
