"""Lines of the staff topic (namespace "staff."): the console's frame (navigation, login, invitations,
errors) and the admin pages, in the three languages."""

from __future__ import annotations

from bot.i18n.entries import Table

NAMESPACE = "staff"


def _line(zh_hans: str, zh_hant: str, en: str) -> dict[str, str]:
    return {"zh-Hans": zh_hans, "zh-Hant": zh_hant, "en": en}


TEXTS: Table = {
    # the frame
    "console_title": _line("客服工作台", "客服工作臺", "Agents' console"),
    "nav_label": _line("主导航", "主導覽", "Main navigation"),
    "nav_queue": _line("会话队列", "會話佇列", "Queue"),
    "nav_dashboard": _line("数据看板", "數據看板", "Dashboard"),
    "nav_suggestions": _line("知识库建议", "知識庫建議", "Suggestions"),
    "nav_users": _line("人员", "人員", "People"),
    "nav_audit": _line("审计日志", "審計日誌", "Audit log"),
    "logout": _line("退出登录", "登出", "Log out"),
    "language": _line("界面语言", "介面語言", "Language"),
    "language_apply": _line("切换", "切換", "Switch"),
    "role": _line("角色", "角色", "Role"),
    "role_agent": _line("客服", "客服", "Agent"),
    "role_supervisor": _line("主管", "主管", "Supervisor"),
    "role_admin": _line("管理员", "管理員", "Admin"),
    "back_to_queue": _line("返回会话队列", "返回會話佇列", "Back to the queue"),
    # login
    "login_title": _line("登录客服工作台", "登入客服工作臺", "Log in to the agents' console"),
    "email": _line("邮箱", "電子郵件", "Email"),
    "password": _line("密码", "密碼", "Password"),
    "login_submit": _line("登录", "登入", "Log in"),
    "login_failed": _line("邮箱或密码不正确。", "電子郵件或密碼不正確。", "Wrong email or password."),
    "login_throttled": _line(
        "登录失败次数过多，请 {minutes} 分钟后再试。",
        "登入失敗次數過多，請 {minutes} 分鐘後再試。",
        "Too many failed logins. Please try again in {minutes} min.",
    ),
    # invitations
    "invite_title": _line("设置密码", "設定密碼", "Choose your password"),
    "invite_intro": _line(
        "{name}（{email}），欢迎加入。请设置密码，之后用邮箱和这个密码登录。",
        "{name}（{email}），歡迎加入。請設定密碼，之後用電子郵件和這個密碼登入。",
        "Welcome, {name} ({email}). Choose a password; you will log in with your email and this password.",
    ),
    "password_rule": _line("至少 {min} 个字符", "至少 {min} 個字元", "at least {min} characters"),
    "password_confirm": _line("再次输入密码", "再次輸入密碼", "Password again"),
    "invite_submit": _line("设置密码并登录", "設定密碼並登入", "Set password and log in"),
    "password_mismatch": _line("两次输入的密码不一致。", "兩次輸入的密碼不一致。", "The two passwords differ."),
    "password_too_short": _line("密码至少需要 {min} 个字符。", "密碼至少需要 {min} 個字元。", "The password needs at least {min} characters."),
    "password_too_long": _line("密码太长了。", "密碼太長了。", "The password is too long."),
    "invite_invalid": _line(
        "这个邀请链接已失效（已使用、已被新链接取代或已过期）。请联系管理员重新邀请。",
        "這個邀請連結已失效（已使用、已被新連結取代或已過期）。請聯絡管理員重新邀請。",
        "This invitation link no longer works (used, replaced or expired). Ask an admin for a new one.",
    ),
    # errors
    "error_title_400": _line("无法处理这个请求", "無法處理這個請求", "This request cannot be handled"),
    "unknown_action": _line("未知的操作。", "未知的操作。", "Unknown action."),
    "error_title_403": _line("无权访问", "無權存取", "Not allowed"),
    "error_title_404": _line("找不到页面", "找不到頁面", "Not found"),
    "error_title_410": _line("链接已失效", "連結已失效", "Link no longer valid"),
    "forbidden_role": _line(
        "您的角色不能打开这个页面。如需权限，请联系管理员。",
        "您的角色不能開啟這個頁面。如需權限，請聯絡管理員。",
        "Your role does not allow this page. Ask an admin if you need it.",
    ),
    "csrf_refused": _line(
        "请求被拒绝：页面已过期或来自其他网站。请刷新页面后重试。",
        "請求被拒絕：頁面已過期或來自其他網站。請重新整理頁面後再試。",
        "Request refused: the page is out of date or came from another site. Reload the page and try again.",
    ),
    # admin: people
    "users_title": _line("人员与权限", "人員與權限", "People and roles"),
    "invite_heading": _line("邀请新成员", "邀請新成員", "Invite someone"),
    "name": _line("姓名", "姓名", "Name"),
    "capacity": _line("同时接待上限", "同時接待上限", "Capacity"),
    "status": _line("状态", "狀態", "Status"),
    "sessions": _line("在线会话", "線上工作階段", "Sessions"),
    "invite_button": _line("生成邀请链接", "產生邀請連結", "Create invitation link"),
    "invite_created": _line(
        "已为 {name}（{email}）生成邀请链接，72 小时内有效，只能使用一次：",
        "已為 {name}（{email}）產生邀請連結，72 小時內有效，只能使用一次：",
        "Invitation link for {name} ({email}), valid for 72 hours, usable once:",
    ),
    "invite_link_once": _line(
        "链接只显示这一次，请现在复制并私下发给对方。",
        "連結只顯示這一次，請現在複製並私下傳給對方。",
        "The link is shown only this once: copy it now and send it privately.",
    ),
    "status_invited": _line("待加入", "待加入", "Invited"),
    "status_active": _line("正常", "正常", "Active"),
    "status_disabled": _line("已停用", "已停用", "Disabled"),
    "save": _line("保存", "儲存", "Save"),
    "revoke_sessions": _line("强制下线", "強制登出", "End sessions"),
    "reinvite": _line("重新邀请", "重新邀請", "New link"),
    "deactivate": _line("停用", "停用", "Deactivate"),
    "activate": _line("启用", "啟用", "Activate"),
    "not_yourself": _line(
        "不能停用自己或更改自己的角色，请让另一位管理员操作。",
        "不能停用自己或變更自己的角色，請讓另一位管理員操作。",
        "You cannot deactivate yourself or change your own role; ask another admin.",
    ),
    "bad_email": _line("邮箱地址无效。", "電子郵件地址無效。", "That is not a valid email address."),
    "bad_name": _line("请填写姓名（最多 128 个字符）。", "請填寫姓名（最多 128 個字元）。", "Enter a name (up to 128 characters)."),
    "bad_role": _line("未知的角色。", "未知的角色。", "Unknown role."),
    "bad_capacity": _line("接待上限须在 1 到 50 之间。", "接待上限須在 1 到 50 之間。", "Capacity must be between 1 and 50."),
    "bad_language": _line("未知的语言。", "未知的語言。", "Unknown language."),
    "email_taken": _line("这个邮箱已有账号。", "這個電子郵件已有帳號。", "There is already an account with this email."),
    "no_such_user": _line("找不到这个人员。", "找不到這個人員。", "No such person."),
    "not_joined": _line("此人尚未设置密码，请重新邀请。", "此人尚未設定密碼，請重新邀請。", "This person has not set a password yet; send a new link."),
    "already_joined": _line("此人已设置密码，无需邀请。", "此人已設定密碼，無需邀請。", "This person has already set a password."),
    # admin: audit log
    "audit_title": _line("审计日志", "審計日誌", "Audit log"),
    "audit_time": _line("时间", "時間", "Time"),
    "audit_user": _line("操作人", "操作人", "User"),
    "audit_action": _line("操作", "操作", "Action"),
    "audit_target": _line("对象", "對象", "Target"),
    "audit_detail": _line("详情", "詳情", "Detail"),
    "audit_ip": _line("IP", "IP", "IP"),
    "audit_empty": _line("还没有记录。", "還沒有紀錄。", "Nothing recorded yet."),
    "pager": _line("翻页", "翻頁", "Pages"),
    "newer": _line("较新", "較新", "Newer"),
    "older": _line("较早", "較早", "Older"),
    "page_of": _line("第 {page} / {pages} 页", "第 {page} / {pages} 頁", "Page {page} of {pages}"),
}
