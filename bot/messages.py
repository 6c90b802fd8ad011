"""The words of the bot's own commands (`/cncf potd`, `/cncf lang`, `/cncf stats`), in English and Korean."""
from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # /cncf potd
    "potd.usage": {
        "en": "*Project of the day*\n"
              "• `/cncf potd subscribe [HH:MM] [TIMEZONE] [en|ko] [sandbox]` posts a CNCF project here every day "
              "(defaults: 09:00, your Slack time zone, your language; `sandbox` adds sandbox projects)\n"
              "• `/cncf potd status` shows the schedule, the last and next post\n"
              "• `/cncf potd preview` shows today's card to you only\n"
              "• `/cncf potd unsubscribe` stops it",
        "ko": "*오늘의 프로젝트*\n"
              "• `/cncf potd subscribe [HH:MM] [시간대] [en|ko] [sandbox]` 이 채널에 매일 CNCF 프로젝트를 올립니다 "
              "(기본값: 09:00, 내 Slack 시간대, 내 언어; `sandbox`를 붙이면 샌드박스 프로젝트도 포함)\n"
              "• `/cncf potd status` 일정과 지난/다음 게시를 보여 줍니다\n"
              "• `/cncf potd preview` 오늘의 카드를 나에게만 보여 줍니다\n"
              "• `/cncf potd unsubscribe` 구독을 끊습니다",
    },
    "potd.bad_time": {
        "en": "`{value}` is not a time. Use 24-hour HH:MM, for example `/cncf potd subscribe 09:30 Asia/Seoul ko`.",
        "ko": "`{value}`은(는) 올바른 시각이 아닙니다. 24시간제 HH:MM으로 적어 주세요. "
              "예: `/cncf potd subscribe 09:30 Asia/Seoul ko`",
    },
    "potd.bad_zone": {
        "en": "`{value}` is not a time zone I know. Use an IANA name such as `Asia/Seoul`, `America/New_York` or "
              "`UTC`, for example `/cncf potd subscribe 09:30 America/New_York en`.",
        "ko": "`{value}`은(는) 알 수 없는 시간대입니다. `Asia/Seoul`, `America/New_York`, `UTC` 같은 IANA 이름을 "
              "써 주세요. 예: `/cncf potd subscribe 09:30 Asia/Seoul ko`",
    },
    "potd.too_many": {
        "en": "I did not understand `{value}`. Give at most one time, one time zone and one language, "
              "for example `/cncf potd subscribe 09:30 Asia/Seoul ko`.",
        "ko": "`{value}`을(를) 이해하지 못했습니다. 시각, 시간대, 언어를 하나씩만 적어 주세요. "
              "예: `/cncf potd subscribe 09:30 Asia/Seoul ko`",
    },
    "potd.subscribed": {
        "en": "Subscribed {channel}: a CNCF project every day at *{time}* ({zone}), in {language}, from {pool}. "
              "First post: {next}.",
        "ko": "{channel} 구독 완료: 매일 *{time}* ({zone})에 {pool} 중 하나를 {language}로 올립니다. "
              "첫 게시: {next}.",
    },
    "potd.zone_guess": {
        "en": "I could not read your Slack time zone, so I used UTC; add one like `Asia/Seoul` to change it.",
        "ko": "Slack 시간대를 읽지 못해 UTC를 썼습니다. `Asia/Seoul`처럼 시간대를 붙여 바꿀 수 있습니다.",
    },
    "potd.invite": {
        "en": "If I am not in this channel yet, invite me with `/invite @cncf-bot` so I can post.",
        "ko": "제가 아직 이 채널에 없다면 `/invite @cncf-bot`으로 초대해 주세요.",
    },
    "potd.unsubscribed": {
        "en": "Unsubscribed {channel}: no more projects of the day here. `/cncf potd subscribe` brings them back.",
        "ko": "{channel} 구독을 끊었습니다. `/cncf potd subscribe`로 다시 구독할 수 있습니다.",
    },
    "potd.not_subscribed": {
        "en": "This channel is not subscribed. Try `/cncf potd subscribe 09:00 Asia/Seoul en`.",
        "ko": "이 채널은 구독 중이 아닙니다. `/cncf potd subscribe 09:00 Asia/Seoul ko`로 구독해 보세요.",
    },
    "potd.a_member": {"en": "a member", "ko": "한 멤버"},
    "potd.status": {
        "en": "*Project of the day in {channel}*\n"
              "• Time: *{time}* ({zone}), language: {language}, projects: {pool}\n"
              "• Subscribed by {who} on {since}\n"
              "• Last post: {last}\n"
              "• Next post: {next}",
        "ko": "*{channel}의 오늘의 프로젝트*\n"
              "• 시각: *{time}* ({zone}), 언어: {language}, 대상: {pool}\n"
              "• 구독한 사람: {who} ({since})\n"
              "• 지난 게시: {last}\n"
              "• 다음 게시: {next}",
    },
    "potd.paused": {
        "en": "⚠️ *Paused* since {when}: Slack said `{reason}`. {fix} Then run `/cncf potd subscribe` again to resume.",
        "ko": "⚠️ {when}부터 *일시 중지됨*: Slack 오류 `{reason}`. {fix} 그 다음 `/cncf potd subscribe`를 다시 "
              "실행하면 재개됩니다.",
    },
    "potd.fix.not_in_channel": {"en": "Invite me with `/invite @cncf-bot`.",
                                "ko": "`/invite @cncf-bot`으로 저를 초대해 주세요."},
    "potd.fix.is_archived": {"en": "The channel is archived; unarchive it.",
                             "ko": "채널이 보관되었습니다. 보관을 해제해 주세요."},
    "potd.fix.channel_not_found": {"en": "The channel is gone or I cannot see it.",
                                   "ko": "채널이 없어졌거나 제가 볼 수 없습니다."},
    "potd.retrying": {"en": "• Today's post is being retried ({error}).",
                      "ko": "• 오늘 게시를 다시 시도하는 중입니다 ({error})."},
    "potd.never": {"en": "not yet", "ko": "아직 없음"},
    "potd.none_left": {"en": "There is no project to show.", "ko": "보여 줄 프로젝트가 없습니다."},
    "potd.preview_note": {"en": "Preview, only you can see this: ", "ko": "미리 보기, 나에게만 보입니다: "},
    "pool.default": {"en": "graduated and incubating projects", "ko": "졸업·인큐베이팅 프로젝트"},
    "pool.sandbox": {"en": "graduated, incubating and sandbox projects", "ko": "졸업·인큐베이팅·샌드박스 프로젝트"},
    "language.en": {"en": "English", "ko": "영어"},
    "language.ko": {"en": "Korean", "ko": "한국어"},
    "this_channel": {"en": "this channel", "ko": "이 채널"},
    # /cncf lang
    "storage.unavailable": {"en": "Storage is unavailable right now, so I cannot do that; try again shortly. "
                                  "Questions are still answered as usual.",
                            "ko": "지금은 저장소를 쓸 수 없어서 그 요청은 처리하지 못했어요. 잠시 후 다시 시도해 주세요. "
                                  "질문에는 평소처럼 답해 드려요."},
    "lang.set": {"en": "I will answer you in English from now on. "
                       "`/cncf lang auto` follows each question's language.",
                 "ko": "이제부터 한국어로 답합니다. `/cncf lang auto`로 바꾸면 질문 언어를 따릅니다."},
    "lang.auto": {"en": "I will answer in the language of each question.",
                  "ko": "이제부터 질문한 언어로 답합니다."},
    "lang.current": {"en": "Your answer language: {value}. Change it with `/cncf lang en`, `/cncf lang ko` or "
                           "`/cncf lang auto`.",
                     "ko": "답변 언어: {value}. "
                           "`/cncf lang en`, `/cncf lang ko`, `/cncf lang auto`로 바꿀 수 있습니다."},
    "lang.auto_name": {"en": "auto (the question's language)", "ko": "자동 (질문 언어)"},
    "lang.bad": {"en": "`{value}` is not a choice: use `/cncf lang en`, `/cncf lang ko` or `/cncf lang auto`.",
                 "ko": "`{value}`은(는) 고를 수 없는 값입니다. `/cncf lang en`, `/cncf lang ko`, `/cncf lang auto` 중 "
                       "하나를 쓰세요."},
    # /cncf stats
    "channel.usage": {"en": "Usage: `/cncf channel auto on` or `/cncf channel auto off` (in the channel itself).",
                      "ko": "사용법: 해당 채널에서 `/cncf channel auto on` 또는 `/cncf channel auto off`"},
    "channel.admins": {"en": "Only workspace admins and owners can change how I answer in a channel.",
                       "ko": "채널에서 답하는 방식은 워크스페이스 관리자와 소유자만 바꿀 수 있어요."},
    "channel.on": {"en": "From now on I answer questions about the CNCF in this channel without a mention "
                         "(in a thread, and only when I am confident).",
                   "ko": "이제 이 채널에서는 멘션 없이도 CNCF 질문에 답할게요 (스레드로, 확실할 때만)."},
    "channel.off": {"en": "I answer in this channel only when mentioned again.",
                    "ko": "이제 이 채널에서는 멘션할 때만 답할게요."},
    "stats.feedback": {"en": "*Feedback:* {up} helpful, {down} not helpful", "ko": "*피드백:* 도움됨 {up}, 도움 안 됨 {down}"},
    "stats.title": {"en": "Questions in the last {days} days", "ko": "최근 {days}일 질문 통계"},
    "stats.none": {"en": "No questions in the last {days} days.", "ko": "최근 {days}일 동안 질문이 없습니다."},
    "stats.per_day": {"en": "Questions per day", "ko": "날짜별 질문 수"},
    "stats.total": {"en": "{total} questions, {answered} answered ({rate}%)",
                    "ko": "질문 {total}개, 답변 {answered}개 ({rate}%)"},
    "stats.intents": {"en": "Top intents", "ko": "많이 나온 의도"},
    "stats.projects": {"en": "Top projects", "ko": "많이 물어본 프로젝트"},
    "stats.unanswered": {"en": "Questions I could not answer (add them to the knowledge)",
                         "ko": "답하지 못한 질문 (지식 데이터에 추가할 후보)"},
    "stats.text_hidden": {"en": "{n} of them unanswered. Their text is shown to workspace admins and owners only.",
                          "ko": "그중 {n}개는 답하지 못했어요. 질문 내용은 워크스페이스 관리자와 소유자에게만 보여요."},
    "stats.privacy": {"en": "Questions are kept {keep} days; people are stored only as salted hashes.",
                      "ko": "질문은 {keep}일 동안 보관하며, 사용자 ID는 솔트를 넣은 해시로만 저장합니다."},
    "unknown_sub": {"en": "`{value}` is not a `/cncf potd` command.",
                    "ko": "`{value}`은(는) `/cncf potd` 명령이 아닙니다."},
}


def msg(key: str, lang: str, **kw: object) -> str:
    entry = MESSAGES[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**kw) if kw else text
