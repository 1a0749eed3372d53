from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.Login.as_view(), name="login"),
    path("logout/", views.Logout.as_view(), name="logout"),
    path("password/", views.PasswordChange.as_view(), name="password-change"),
    path("two-factor/", views.otp_verify, name="otp-verify"),
    path("two-factor/setup/", views.otp_setup, name="otp-setup"),
    path("unlock/", views.unlock, name="unlock"),
]
