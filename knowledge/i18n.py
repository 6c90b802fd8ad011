"""Interface words in English and Korean, shared by the plain-text and Block Kit renderers."""
from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (English, Korean)
    "maturity.graduated": ("Graduated", "졸업"),
    "maturity.incubating": ("Incubating", "인큐베이팅"),
    "maturity.sandbox": ("Sandbox", "샌드박스"),
    "maturity.archived": ("Archived", "아카이브"),
    "maturity.none": ("Not a CNCF project", "CNCF 프로젝트 아님"),
    "label.maturity": ("Maturity", "성숙도"),
    "label.category": ("Category", "분류"),
    "label.dates": ("Dates", "주요 날짜"),
    "label.accepted": ("accepted", "합류"),
    "label.incubating": ("incubating", "인큐베이팅"),
    "label.graduated": ("graduated", "졸업"),
    "label.archived": ("archived", "아카이브"),
    "label.homepage": ("Homepage", "홈페이지"),
    "label.repo": ("Repository", "저장소"),
    "label.landscape": ("Landscape", "랜드스케이프"),
    "label.features": ("Key features", "주요 기능"),
    "label.use_when": ("Use it when", "이럴 때 쓰세요"),
    "label.avoid_when": ("Look elsewhere when", "이럴 땐 다른 선택을"),
    "label.related": ("Related", "관련 프로젝트"),
    "label.replaced_by": ("Replaced by", "대체 프로젝트"),
    "label.trail_step": ("Trail map step", "트레일 맵 단계"),
    "label.related_concepts": ("See also", "함께 보기"),
    "label.when_to_pick": ("When to pick which", "언제 무엇을 고를까"),
    "project.not_cncf": ("{name} is not a CNCF project. The CNCF Landscape lists it under {path}.",
                         "{name}은(는) CNCF 프로젝트가 아닙니다. CNCF 랜드스케이프에서는 {path} 분류에 있습니다."),
    "project.part_of": ("{name} is part of {parent}, a {maturity} CNCF project: {why}. The CNCF Landscape lists it "
                        "under {path}.",
                        "{name}은(는) CNCF {maturity} 프로젝트인 {parent}의 일부입니다 ({why}). CNCF 랜드스케이프에서는 "
                        "{path} 분류에 있습니다."),
    "project.part_why.org": ("its repository is in the {org} organisation", "저장소가 {org} 조직에 있어요"),
    "project.part_why.parent": ("the landscape names it as a subproject", "랜드스케이프가 하위 프로젝트로 표시해요"),
    "project.no_summary": ("A {maturity} CNCF project in {path}.",
                           "{path} 분류의 CNCF {maturity} 프로젝트입니다."),
    "compare.title": ("Comparison: {title}", "비교: {title}"),
    "compare.built": ("Built from catalog facts", "카탈로그 정보로 만든 비교"),
    "recommend.title": ("Recommended for “{need}”", "“{need}”에 추천하는 프로젝트"),
    "recommend.intro": ("Ranked by how well they match, graduated before incubating before sandbox:",
                        "얼마나 잘 맞는지, 그리고 졸업 > 인큐베이팅 > 샌드박스 순으로 골랐습니다:"),
    "fact.done": ("{name} {verb} on {date}.", "{name}은(는) {date}에 {verb_ko}."),
    "fact.not_yet": ("{name} has not {verb}: it is {maturity} now{since}.",
                     "{name}은(는) 아직 {verb_ko_not} 않았습니다. 현재 {maturity} 단계입니다{since}."),
    "fact.since": (" (accepted {date})", " (합류 {date})"),
    "fact.filter": ("{verb} in {year}", "{year}년 {verb_ko}"),
    "fact.filter_any": ("{verb}, newest first", "{verb_ko}, 최신순"),
    "list.title": ("{count} CNCF projects{filters}", "CNCF 프로젝트 {count}개{filters}"),
    "list.more": ("  …and {n} more", "  …그 밖에 {n}개 더"),
    "list.none": ("No CNCF project matches{filters}.", "조건{filters}에 맞는 CNCF 프로젝트가 없습니다."),
    "trail.title": ("Cloud Native Trail Map", "클라우드 네이티브 트레일 맵"),
    "trail.step": ("Trail map step {step}: {title}", "트레일 맵 {step}단계: {title}"),
    "trail.dated": ("The trail map is from 2020 (v20200501) and was retired in 2022; projects are shown at today's maturity.",
                    "트레일 맵은 2020년판(v20200501)이며 2022년에 더 이상 관리되지 않게 되었습니다. 프로젝트 성숙도는 현재 기준입니다."),
    "trail.on_map": ("On the 2020 map", "2020년 맵에 있던 프로젝트"),
    "trail.today": ("Serving this step today", "현재 이 단계에 쓰이는 프로젝트"),
    "trail.todo": ("What to do", "할 일"),
    "trail.next": ("Next", "다음 단계"),
    "trail.was": ("was {m} on the map", "맵에서는 {m}"),
    "trail.ask_step": ("Ask for a step: “trail map step 3”.", "단계별로 물어보세요: “트레일 맵 3단계”."),
    "concept.title": ("Concept: {name}", "개념: {name}"),
    "dym.title": ("I'm not sure what you meant. Did you mean:", "정확히 알아듣지 못했어요. 혹시 이것인가요?"),
    "unknown.title": ("Sorry, I don't know that one.", "죄송해요, 그건 잘 모르겠어요."),
    "unknown.hint": ("I answer questions about CNCF projects and cloud native concepts. Try “what is linkerd”, "
                     "“jaeger vs opentracing”, “what should I use for tracing?”, “graduated projects” or “trail map”.",
                     "CNCF 프로젝트와 클라우드 네이티브 개념에 대해 답할 수 있어요. “링커드가 뭐야”, “예거 vs 오픈트레이싱”, "
                     "“트레이싱 도구 추천”, “졸업 프로젝트 목록”, “트레일 맵”처럼 물어보세요."),
    "help.title": ("Ask me about the CNCF", "CNCF에 대해 물어보세요"),
    "talk.hello": ("Hi! I answer questions about the CNCF and its projects, in English or Korean.",
                   "안녕하세요! CNCF와 그 프로젝트에 대한 질문에 영어나 한국어로 답해 드려요."),
    "talk.thanks": ("You're welcome! Ask again any time.", "천만에요! 언제든 다시 물어보세요."),
    "trail.no_step": ("The trail map has {steps} steps, so there is no step {step}. Here is the whole map.",
                      "트레일 맵은 {steps}단계까지 있어서 {step}단계는 없어요. 전체 지도를 보여 드릴게요."),
    "help.body": ("I know every CNCF project (graduated, incubating, sandbox and archived), the rest of the CNCF "
                  "Landscape, cloud native concepts and the Cloud Native Trail Map, in English and Korean.",
                  "CNCF의 모든 프로젝트(졸업, 인큐베이팅, 샌드박스, 아카이브), CNCF 랜드스케이프의 나머지 항목, "
                  "클라우드 네이티브 개념과 트레일 맵을 한국어와 영어로 알려 드려요."),
    "help.examples": ("Examples", "예시"),
    "home.title": ("CNCF bot", "CNCF 봇"),
    "home.how": ("*How to ask*\nType `/cncf` and a question anywhere, @mention me in a channel (I answer in a thread) "
                 "or send me a direct message. English and Korean both work.",
                 "*물어보는 방법*\n어디서든 `/cncf 질문`을 입력하거나, 채널에서 저를 @멘션하거나(스레드로 답해요), "
                 "DM을 보내세요. 한국어와 영어 모두 돼요."),
    "home.potd": ("Project of the day", "오늘의 프로젝트"),
    "home.no_potd": ("No project of the day yet today.", "오늘은 아직 오늘의 프로젝트가 없어요."),
    "home.details": ("Details", "자세히"),
    "source.credit": ("Facts: CNCF Landscape (CC-BY-4.0), data of {date}.",
                      "사실 정보: CNCF 랜드스케이프(CC-BY-4.0), {date} 기준."),
}

HELP_EXAMPLES: dict[str, tuple[str, ...]] = {
    "en": ("what is linkerd", "jaeger vs opentracing", "what should I use for tracing?",
           "incubating observability projects", "trail map step 5", "what is a service mesh?"),
    "ko": ("쿠버네티스가 뭐야?", "예거 vs 오픈트레이싱", "트레이싱 도구 추천", "졸업한 프로젝트 알려줘",
           "트레일 맵 7단계", "서비스 메시란?"),
}


# One step of a project's life, as a verb: (English, Korean past, Korean negative stem).
FACT_VERBS = {
    "accepted": ("joined the CNCF", "CNCF에 합류했습니다", "합류하지"),
    "incubating": ("moved to incubating", "인큐베이팅 단계가 되었습니다", "인큐베이팅 단계가 되지"),
    "graduated": ("graduated", "졸업했습니다", "졸업하지"),
    "archived": ("was archived", "아카이브되었습니다", "아카이브되지"),
}
# The same verbs as list filters: "graduated in 2024" / "2024년 졸업".
FILTER_VERBS = {"accepted": ("joined", "합류"), "incubating": ("moved to incubating", "인큐베이팅 진입"),
                "graduated": ("graduated", "졸업"), "archived": ("archived", "아카이브")}


def t(key: str, lang: str, **kw: object) -> str:
    en, ko = MESSAGES[key]
    text = ko if lang == "ko" else en
    return text.format(**kw) if kw else text


def maturity_label(maturity: str | None, lang: str) -> str:
    return t(f"maturity.{maturity or 'none'}", lang)
