"""Which routes ask the policy for which action: the pairing of `workflow.policy.POLICY`
with the access table (`tests/platform/test_access_table.py`).

`platform/test_policy_routes.py` checks the pairing both ways; the access table checks, on
every request it makes, that the route asks only for its own actions, each once.
"""

ROUTES: dict[str, tuple[str, ...]] = {
    # The applicant's application
    "start": ("applications.home", "applications.start"),
    "read": ("applications.show", "applications.check", "applications.submitted"),
    "edit_section": ("applications.section", "applications.save_section_answers"),
    "message_office": ("applications.messages",),
    "submit": ("applications.submit",),
    "respond": ("applications.respond",),
    "withdraw": ("applications.withdraw",),
    "download_copy": ("applications.copy_pdf",),
    "download_document": ("applications.document",),
    # The trust office
    "work_in_office": (  # asked before every office page, then the page's own action
        "reviews.queue", "reviews.dashboard", "reviews.export", "reviews.bulk", "reviews.bulk_request_information",
        "reviews.bulk_put_to_trustees", "reviews.application", "reviews.take", "reviews.assign",
        "reviews.request_information", "reviews.assessment", "reviews.add_note", "reviews.send_message",
        "reviews.draft_messages", "reviews.put_to_trustees", "reviews.revision", "reviews.revision_changes",
    ),
    "export": ("reviews.export",),
    "act_in_bulk": ("reviews.bulk", "reviews.bulk_request_information", "reviews.bulk_put_to_trustees"),
    "review": ("reviews.application",),
    "see_revisions": ("reviews.revision", "reviews.revision_changes"),
    "take": ("reviews.take",),
    "assign": ("reviews.assign",),
    "request_information": ("reviews.request_information",),
    "assess": ("reviews.assessment",),
    "note": ("reviews.add_note",),
    "message_applicant": ("reviews.send_message", "reviews.draft_messages"),
    "put_to_trustees": ("reviews.put_to_trustees",),
    "add_to_agenda": ("reviews.put_to_trustees",),
    # The trustees' votes
    "board": ("votes.meetings_list", "votes.meeting", "votes.trustee_meeting", "votes.meeting_pack", "votes.open_votes_pack"),
    "trustee_pages": ("votes.my_votes",),
    "read_vote": ("votes.vote",),
    "ballot": ("votes.ballot",),
    "declare_conflict": ("votes.conflict",),
    "casting_vote": ("votes.casting_vote",),
    "close_vote": ("votes.close",),
    "defer_vote": ("votes.defer",),
    "keep_interests": ("votes.my_interests",),
    "remove_interest": ("votes.remove_interest",),
    # Board meetings
    "schedule_meeting": ("votes.schedule_meeting",),
    "record_meeting": ("votes.new_meeting",),
    "record_attendance": ("votes.meeting_attendance",),
    "resolve": ("votes.meeting_item",),
    "defer_item": ("votes.meeting_item_defer",),
    # Decision letters
    "prepare_letter": ("letters.edit", "letters.preview"),
    "edit_letter": ("letters.edit",),
    "issue_letter": ("letters.issue",),
    "download_letter": ("letters.download",),
    "edit_letter_template": ("letters.templates", "letters.edit_template", "letters.template_version", "letters.template_preview"),
    # Organisations, their members and their data
    "choose_organisation": ("organisations.profile", "privacy.export"),
    "edit_profile": ("organisations.profile",),
    "manage_members": ("organisations.members", "organisations.cancel"),
    "remove_member": ("organisations.remove",),
    "accept_invitation": ("organisations.invitation",),
    "export_data": ("privacy.export",),
    # The partner directory and partnerships
    "see_partnerships": ("directory.partnerships",),
    "edit_entry": ("directory.edit_entry",),
    "hide_entry": ("directory.hide", "directory.show"),
    "renew": ("directory.renew",),
    # Accounts
    "turn_off_second_factor": ("accounts.turn_off_second_factor",),
    # Administration
    "administer": ("admin.index", "admin.users"),
    "edit_hub": ("admin.new_hub", "admin.edit_hub", "admin.hub_image", "admin.remove_image", "admin.hub_image_file"),
    "change_rounds": ("admin.rounds", "admin.delete_round"),
    "change_settings": ("admin.settings",),
    "invite_staff": ("admin.invite", "admin.send_invitation_again"),
    "change_roles": ("admin.user",),
    "switch_account": ("admin.switch_account",),
    "see_activity": ("admin.activity",),
}

# Actions no route asks for, and why.
WITHOUT_A_ROUTE: dict[str, str] = {
    "approve": "the trustees' vote closing itself (the last ballot or `flask tick`) as the system",
    "decline": "the trustees' vote closing itself (the last ballot or `flask tick`) as the system",
    "defer": "the system, on a tie no chair can break; people defer through defer_vote and defer_item",
    "close_due_vote": "`flask tick`, as the system",
    "anonymise": "`flask tick`, as the system",
    "be_assigned": "asked of the assignee by the operation that assigns",
    "see_tally": "asked by the vote page, to show the votes cast",
    "record_meeting_on": "asked by the office's application page, to offer recording a meeting",
    "see_hidden_entries": "asked by the public directory page, to show hidden partners to the office",
    "publish_form": "`flask forms import` and `flask hubs load`, as the system, until the form editor's pages",
}

# Routes that ask the policy nothing: open to everyone, or about one's own account or a token.
ASK_NOTHING = {
    "accounts.account", "accounts.change_own_email", "accounts.change_own_password", "accounts.confirm_email_change",
    "accounts.confirm_password", "accounts.email_sign_in_link", "accounts.extend_session", "accounts.forgot_password",
    "accounts.recovery_codes", "accounts.register", "accounts.resend_verification", "accounts.reset",
    "accounts.sign_in", "accounts.sign_in_by_link", "accounts.sign_out", "accounts.sign_out_all",
    "accounts.two_factor", "accounts.two_factor_setup", "accounts.verify",
    "directory.partner", "directory.partners",
    "hubs.accessibility", "hubs.home", "hubs.hub", "hubs.logo", "hubs.privacy",
    "index", "invitations.accept_invitation_page", "letters.verify",
}


def actions_of(endpoint: str) -> set[str]:
    """The actions a route may ask for."""
    return {action for action, endpoints in ROUTES.items() if endpoint in endpoints}
