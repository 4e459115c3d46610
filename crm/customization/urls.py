"""URLs of the settings pages, under /settings/."""

from django.urls import path

from crm.customization import views

app_name = "customization"

urlpatterns = [
    path("", views.index, name="index"),
    path("dictionaries/", views.dictionary_list, name="dictionary_list"),
    path("dictionaries/new/", views.dictionary_create, name="dictionary_create"),
    path("dictionaries/<int:pk>/", views.dictionary_detail, name="dictionary_detail"),
    path("dictionaries/<int:pk>/edit/", views.dictionary_edit, name="dictionary_edit"),
    path(
        "dictionaries/<int:pk>/items/new/",
        views.dictionaryitem_create,
        name="dictionaryitem_create",
    ),
    path("dictionary-items/<int:pk>/edit/", views.dictionaryitem_edit, name="dictionaryitem_edit"),
    path(
        "dictionary-items/<int:pk>/move/<str:direction>/",
        views.dictionaryitem_move,
        name="dictionaryitem_move",
    ),
    path(
        "dictionary-items/<int:pk>/toggle/",
        views.dictionaryitem_toggle,
        name="dictionaryitem_toggle",
    ),
    path("fields/", views.customfield_list, name="customfield_list"),
    path("fields/<str:type_key>/", views.customfield_type_list, name="customfield_type_list"),
    path("fields/<str:type_key>/new/", views.customfield_create, name="customfield_create"),
    path("custom-fields/<int:pk>/edit/", views.customfield_edit, name="customfield_edit"),
    path("numbering/", views.numberingrule_list, name="numberingrule_list"),
    path("numbering/<str:type_key>/", views.numberingrule_edit, name="numberingrule_edit"),
    path(
        "numbering/<str:type_key>/preview/",
        views.numberingrule_preview,
        name="numberingrule_preview",
    ),
    path("exchange-rates/", views.exchangerate_list, name="exchangerate_list"),
    path("exchange-rates/new/", views.exchangerate_create, name="exchangerate_create"),
    path("exchange-rates/<int:pk>/edit/", views.exchangerate_edit, name="exchangerate_edit"),
    path("exchange-rates/<int:pk>/delete/", views.exchangerate_delete, name="exchangerate_delete"),
]
