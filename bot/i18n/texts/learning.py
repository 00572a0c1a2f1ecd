"""Lines of the learning topic (namespace "learning."), in the three languages: the supervisors'
suggestions page (bot/web/suggestions/) and `supportbot kb suggestions`."""

from __future__ import annotations

from bot.i18n.entries import Table, plural

NAMESPACE = "learning"

TEXTS: Table = {
    "title": {"zh-Hans": "知识库建议", "zh-Hant": "知識庫建議", "en": "Knowledge base suggestions"},
    "intro": {
        "zh-Hans": "机器人没答上、让客户二选一、被点了👎，或由客服用知识库条目回答的客户问题，按相同问题分组。电话、IMEI、工单号和邮箱已去除。",
        "zh-Hant": "機器人沒答上、讓客戶二選一、被按了👎，或由客服用知識庫條目回答的客戶問題，按相同問題分組。電話、IMEI、工單號和電子郵件已移除。",
        "en": "Customer questions the bot could not answer, asked \"did you mean\" about, got a 👎 on, or that an agent "
              "answered with an FAQ entry, grouped by question. Phone numbers, IMEIs, ticket numbers and e-mails are removed.",
    },
    "open_heading": {"zh-Hans": "待处理的建议", "zh-Hant": "待處理的建議", "en": "Open suggestions"},
    "open_none": {"zh-Hans": "目前没有新的建议。", "zh-Hant": "目前沒有新的建議。", "en": "No new suggestions."},
    "asked": {
        "zh-Hans": plural("count", other="被问了 {count} 次"),
        "zh-Hant": plural("count", other="被問了 {count} 次"),
        "en": plural("count", one="asked {count} time", other="asked {count} times"),
    },
    "suggested_intent": {"zh-Hans": "可能属于：{intent}", "zh-Hant": "可能屬於：{intent}", "en": "Probably: {intent}"},
    "no_intent": {"zh-Hans": "没有合适的现有意图", "zh-Hant": "沒有合適的現有意圖", "en": "No existing intent fits"},
    "examples": {"zh-Hans": "客户原话", "zh-Hant": "客戶原話", "en": "What customers wrote"},
    "accept": {"zh-Hans": "接受到该意图", "zh-Hant": "接受到該意圖", "en": "Accept into this intent"},
    "reassign": {"zh-Hans": "改归到", "zh-Hant": "改歸到", "en": "Reassign to"},
    "reassign_button": {"zh-Hans": "改归", "zh-Hant": "改歸", "en": "Reassign"},
    "search_intent": {"zh-Hans": "搜索意图", "zh-Hant": "搜尋意圖", "en": "Search intents"},
    "reject": {"zh-Hans": "拒绝", "zh-Hant": "拒絕", "en": "Reject"},
    "reopen": {"zh-Hans": "撤回决定", "zh-Hant": "撤回決定", "en": "Undo decision"},
    "new_intent": {"zh-Hans": "新建意图", "zh-Hant": "新建意圖", "en": "Start a new intent"},
    "new_id": {"zh-Hans": "意图 ID（字母、数字、. _ -）", "zh-Hant": "意圖 ID（字母、數字、. _ -）", "en": "Intent id (letters, digits, . _ -)"},
    "new_title": {"zh-Hans": "标题（{name}）", "zh-Hant": "標題（{name}）", "en": "Title ({name})"},
    "new_answer": {"zh-Hans": "回答（{name}）", "zh-Hant": "回答（{name}）", "en": "Answer ({name})"},
    "create": {"zh-Hans": "建立意图", "zh-Hant": "建立意圖", "en": "Create intent"},
    "language_zh-Hans": {"zh-Hans": "简体中文", "zh-Hant": "簡體中文", "en": "Simplified Chinese"},
    "language_zh-Hant": {"zh-Hans": "繁体中文", "zh-Hant": "繁體中文", "en": "Traditional Chinese"},
    "language_en": {"zh-Hans": "英文", "zh-Hant": "英文", "en": "English"},
    "staged_heading": {"zh-Hans": "已接受、待检查", "zh-Hant": "已接受、待檢查", "en": "Accepted, waiting for the check"},
    "staged_none": {
        "zh-Hans": "还没有接受的建议。接受后先检查，再上线。",
        "zh-Hant": "還沒有接受的建議。接受後先檢查，再上線。",
        "en": "Nothing accepted yet. Accepted suggestions are checked before they go live.",
    },
    "staged_into": {"zh-Hans": "加入 {intent}", "zh-Hant": "加入 {intent}", "en": "into {intent}"},
    "staged_new": {"zh-Hans": "新意图 {intent}", "zh-Hant": "新意圖 {intent}", "en": "new intent {intent}"},
    "check_button": {"zh-Hans": "检查并评估", "zh-Hant": "檢查並評估", "en": "Check and evaluate"},
    "check_title": {"zh-Hans": "上线前检查", "zh-Hant": "上線前檢查", "en": "Check before going live"},
    "check_intro": {
        "zh-Hans": "按 kb doctor 的方法做交叉验证：每个例句轮流留出，用其余例句训练的匹配器来回答；加入前后用相同的分组，差别只来自新例句。",
        "zh-Hant": "按 kb doctor 的方法做交叉驗證：每個例句輪流留出，用其餘例句訓練的匹配器來回答；加入前後用相同的分組，差別只來自新例句。",
        "en": "Cross-validated as kb doctor does: each example is held out in turn and asked of a matcher trained on the "
              "others, with the same folds before and after, so a difference comes from the new examples alone.",
    },
    "figure": {"zh-Hans": "指标", "zh-Hant": "指標", "en": "Figure"},
    "before": {"zh-Hans": "加入前", "zh-Hant": "加入前", "en": "Before"},
    "after": {"zh-Hans": "加入后", "zh-Hant": "加入後", "en": "After"},
    "top1_original": {
        "zh-Hans": "原有 {count} 个例句的首选正确率",
        "zh-Hant": "原有 {count} 個例句的首選正確率",
        "en": "Ranked first, on the {count} examples there before",
    },
    "answered_accuracy": {"zh-Hans": "直接答对的比例（原有例句）", "zh-Hant": "直接答對的比例（原有例句）", "en": "Answered right (same examples)"},
    "wrong_answer_rate": {"zh-Hans": "答错的比例（原有例句）", "zh-Hant": "答錯的比例（原有例句）", "en": "Answered wrong (same examples)"},
    "added_accuracy": {
        "zh-Hans": plural("count", other="新的 {count} 个例句投给自己意图的比例"),
        "zh-Hant": plural("count", other="新的 {count} 個例句投給自己意圖的比例"),
        "en": plural("count", one="The {count} new example ranked first for its intent",
                     other="The {count} new examples ranked first for their intent"),
    },
    "regressions_heading": {
        "zh-Hans": "以前答得对、加入后不对的例句",
        "zh-Hant": "以前答得對、加入後不對的例句",
        "en": "Examples understood before and not after",
    },
    "misvoting_heading": {
        "zh-Hans": "投给了其他意图的新例句",
        "zh-Hant": "投給了其他意圖的新例句",
        "en": "New examples that vote for another intent",
    },
    "misvoting_row": {
        "zh-Hans": "“{text}”（{intent}）→ {voted}",
        "zh-Hant": "「{text}」（{intent}）→ {voted}",
        "en": "\"{text}\" ({intent}) -> {voted}",
    },
    "no_vote": {"zh-Hans": "（无意图）", "zh-Hant": "（無意圖）", "en": "(no intent)"},
    "confusions_heading": {
        "zh-Hans": "更容易混淆的意图",
        "zh-Hant": "更容易混淆的意圖",
        "en": "Intents confused more often than before",
    },
    "confusion_row": {
        "zh-Hans": "{a} ↔ {b}：{before} → {after} 个例句",
        "zh-Hant": "{a} ↔ {b}：{before} → {after} 個例句",
        "en": "{a} <-> {b}: {before} -> {after} examples",
    },
    "shared_heading": {
        "zh-Hans": "与其他意图的例句几乎相同",
        "zh-Hant": "與其他意圖的例句幾乎相同",
        "en": "Almost the same as an example of another intent",
    },
    "shared_row": {"zh-Hans": "“{a}”（{x}）≈“{b}”（{y}）", "zh-Hant": "「{a}」（{x}）≈「{b}」（{y}）", "en": "\"{a}\" ({x}) ~ \"{b}\" ({y})"},
    "no_warnings": {
        "zh-Hans": "没有发现问题：新例句都投给了自己的意图。",
        "zh-Hant": "沒有發現問題：新例句都投給了自己的意圖。",
        "en": "No problem found: every new example votes for its own intent.",
    },
    "warnings": {
        "zh-Hans": plural("count", other="发现 {count} 个问题，请先确认再上线。"),
        "zh-Hant": plural("count", other="發現 {count} 個問題，請先確認再上線。"),
        "en": plural("count", one="{count} problem found: look at it before going live.", other="{count} problems found: look at them before going live."),
    },
    "publish_button": {"zh-Hans": "确认上线（新版本）", "zh-Hant": "確認上線（新版本）", "en": "Confirm: go live as a new version"},
    "back": {"zh-Hans": "返回", "zh-Hant": "返回", "en": "Back"},
    "versions_heading": {"zh-Hans": "知识库版本", "zh-Hant": "知識庫版本", "en": "Knowledge base versions"},
    "version_name": {"zh-Hans": "版本 {id}", "zh-Hant": "版本 {id}", "en": "Version {id}"},
    "version_files": {"zh-Hans": "仅文件中的知识库", "zh-Hant": "僅檔案中的知識庫", "en": "The files' knowledge base alone"},
    "version_by": {"zh-Hans": "{who}，{when}", "zh-Hant": "{who}，{when}", "en": "{who}, {when}"},
    "version_size": {
        "zh-Hans": "{examples} 个新例句，{intents} 个新意图",
        "zh-Hant": "{examples} 個新例句，{intents} 個新意圖",
        "en": "{examples} learned examples, {intents} new intents",
    },
    "active": {"zh-Hans": "使用中", "zh-Hant": "使用中", "en": "Live"},
    "rollback": {"zh-Hans": "回滚到此版本", "zh-Hant": "回復到此版本", "en": "Roll back to this"},
    "export": {"zh-Hans": "导出 YAML（给知识库仓库）", "zh-Hant": "匯出 YAML（給知識庫倉庫）", "en": "Export as YAML (for your repository)"},
    "rejected_heading": {"zh-Hans": "已拒绝", "zh-Hant": "已拒絕", "en": "Rejected"},
    "accepted_heading": {"zh-Hans": "已上线", "zh-Hant": "已上線", "en": "Live"},
    "accepted_in": {"zh-Hans": "版本 {id}：{intent}", "zh-Hant": "版本 {id}：{intent}", "en": "version {id}: {intent}"},
    "notice.staged": {"zh-Hans": "已接受，检查后即可上线。", "zh-Hant": "已接受，檢查後即可上線。", "en": "Accepted: check it, then it can go live."},
    "collect_button": {"zh-Hans": "立即收集新问题", "zh-Hant": "立即收集新問題", "en": "Collect new questions now"},
    "notice.collected": {"zh-Hans": "已收集最新的客户问题。", "zh-Hant": "已收集最新的客戶問題。", "en": "The latest customer questions are collected."},
    "notice.rejected": {"zh-Hans": "已拒绝。", "zh-Hant": "已拒絕。", "en": "Rejected."},
    "notice.reopened": {"zh-Hans": "已撤回决定。", "zh-Hant": "已撤回決定。", "en": "Decision undone."},
    "notice.published": {
        "zh-Hans": "版本 {id} 已上线，机器人已在使用。",
        "zh-Hant": "版本 {id} 已上線，機器人已在使用。",
        "en": "Version {id} is live: the bot answers with it now.",
    },
    "notice.rolled_back": {
        "zh-Hans": "已回滚，机器人正在使用：{name}。",
        "zh-Hant": "已回復，機器人正在使用：{name}。",
        "en": "Rolled back: the bot now answers with {name}.",
    },
    "error.gone": {
        "zh-Hans": "这条建议已不存在或已上线。",
        "zh-Hant": "這條建議已不存在或已上線。",
        "en": "This suggestion is gone or already live.",
    },
    "error.intent": {"zh-Hans": "没有这个意图：{detail}", "zh-Hant": "沒有這個意圖：{detail}", "en": "There is no such intent: {detail}"},
    "error.new_intent": {"zh-Hans": "新意图有误：{detail}", "zh-Hant": "新意圖有誤：{detail}", "en": "The new intent is not valid: {detail}"},
    "error.action": {"zh-Hans": "未知的操作：{detail}", "zh-Hant": "未知的操作：{detail}", "en": "Unknown action: {detail}"},
    "error.apply": {
        "zh-Hans": "无法套用到知识库：{detail}",
        "zh-Hant": "無法套用到知識庫：{detail}",
        "en": "These additions do not fit the knowledge base: {detail}",
    },
    "error.nothing": {"zh-Hans": "没有待上线的内容。", "zh-Hant": "沒有待上線的內容。", "en": "Nothing is waiting to go live."},
    "error.stale": {
        "zh-Hans": "检查之后内容有变化（他人也做了修改），请重新检查。",
        "zh-Hant": "檢查之後內容有變化（他人也做了修改），請重新檢查。",
        "en": "Things changed since the check (someone else decided meanwhile): check again.",
    },
    "error.unchecked": {
        "zh-Hans": "上线前需要先检查并评估（最近一小时内）。请先点“检查并评估”。",
        "zh-Hant": "上線前需要先檢查並評估（最近一小時內）。請先按「檢查並評估」。",
        "en": "Check and evaluate first (within the last hour), then it can go live.",
    },
    "error.version": {"zh-Hans": "没有这个版本。", "zh-Hant": "沒有這個版本。", "en": "There is no such version."},
}
