"""Words that steer intent, and words that never name a project on their own.

Lists are of normalized tokens (lowercase, no punctuation); Korean forms are listed both bare
and, where usual, with their endings, because particle stripping only handles particles.
"""
from __future__ import annotations

# Words that carry no subject: never matched to a landscape entry by themselves.
STOP_EN = frozenset("""
a an the is are was were be been being am do does did done doing have has had having i me my we our you your
he she it its they them their this that these those there here what which who whom whose when where why how
tell show give explain describe define about of in on at to for from by with without into onto over under
and or but if then than so as not no yes please thanks thank hi hello hey bot cncf can could would should will
shall may might must use using used need needs want wants like know knows get getting find good better best
some any all every each more most less many much few one two three four five six seven eight nine ten new old
other another same such only just also very really vs versus between difference differences compare comparison
between tool tools software thing things project projects stuff way ways option options alternative alternatives
recommend recommendation recommendations suggest suggestion pick choose choosing which kind type list lists
step steps trail map trailmap stage level status mean means meaning definition info information overview summary
work works working run runs running make makes made time day week year
people name names called call say said go going come look see try help please open source free
kinds sorts types
cloud native service services system systems platform platforms app apps application applications data based
support supports something anything everything nothing lot lots big small fast slow easy hard simple question
answer ok okay cool nice great well still yet now ever never always sometimes usually often again too enough
able across after before while during since until within against among around through via per whether both either
near nearby far
neither nor own same self sure true false right left up down out off back first last next previous main top
graduated incubating sandbox archived accepted date dates when year joined maturity mature
""".split()) - {"cncf"}

STOP_KO = frozenset("""
뭐야 뭐 뭔가요 뭔가 뭐예요 뭐에요 무엇 무엇인가요 무엇인가 무엇이야 뭡니까 무슨 어떤 어떻게 어때 어때요 왜 언제 어디
알려줘 알려주세요 알려 줘 주세요 주라 설명 설명해 설명해줘 설명해주세요 소개 소개해줘 좀 그 이 저 것 거 게 건
추천 추천해 추천해줘 추천해주세요 추천해 추천좀 비교 비교해 비교해줘 차이 차이점 차이가 대해 대한 관련 관해
프로젝트 프로젝트들 도구 도구들 툴 목록 리스트 전부 모든 다 있어 있나요 있는 없어 하는 하나요 해줘 해 줘요
싶어 싶어요 필요해 필요 써야 써야해 쓸까 쓰면 사용 사용해 사용하는 단계 맵 트레일 트레일맵
그리고 또는 아니면 하고 랑 와 과 및 대 좋은 제일 가장 최고 쓸만한 할 때 때 위한 위해 용 용도
상태 현황 요즘 근황 어떄 어때요 어떤가요 플랫폼 시스템 솔루션 소프트웨어 오픈소스 기술
""".split())

# Words that carry no subject of their own (cue words): never guessed as typos of a name, never
# left over as content. Which kind of question it is, the classifier decides, not these lists.
HELP_WORDS = frozenset("help usage commands command howto 도움 도움말 사용법 명령어 도와줘 헬프".split())
COMPARE_WORDS = frozenset("vs versus compare compared comparing comparison difference differences differ "
                          "different diff contrast 달라 다른가요 다른점 다르죠 달라요 다른지 차이는 비교 비교해 비교해줘 비교해주세요 차이 차이점 차이가 대".split())
RECOMMEND_WORDS = frozenset("recommend recommended recommendation recommendations suggest suggestion "
                            "suggestions best which alternative alternatives options tool tools solution solutions "
                            "도구 툴 솔루션 추천 추천해 추천해줘 "
                            "추천해주세요 추천좀 뭘 무엇을 어떤 골라 골라줘 써야 쓸까 좋을까 좋은".split())
PROJECT_WORDS = frozenset("projects 프로젝트 프로젝트들".split())
TRAIL_WORDS = ("trail map", "trailmap", "trail", "트레일 맵", "트레일맵", "트레일", "로드맵", "roadmap")
STEP_RE = r"(?:step|단계|스텝|#)\s*(\d{1,2})|(\d{1,2})\s*(?:단계|번째\s*단계|번째|st step|nd step|rd step|th step)"

MATURITY_WORDS = {
    "graduated": "graduated", "graduate": "graduated", "graduation": "graduated",
    "졸업": "graduated", "졸업한": "graduated", "졸업된": "graduated", "졸업단계": "graduated",
    "incubating": "incubating", "incubation": "incubating", "incubator": "incubating",
    "인큐베이팅": "incubating", "인큐베이션": "incubating", "인큐베이팅중인": "incubating",
    "sandbox": "sandbox", "샌드박스": "sandbox",
    "archived": "archived", "archive": "archived", "retired": "archived", "deprecated": "archived",
    "아카이브": "archived", "아카이브된": "archived", "보관된": "archived", "은퇴한": "archived",
}

# Words people use for landscape categories, mapped to the landscape's own names.
CATEGORY_WORDS = {
    "observability": "Observability", "monitoring": "Observability", "관측성": "Observability",
    "모니터링": "Observability", "옵저버빌리티": "Observability",
    "service mesh": "Service Mesh", "mesh": "Service Mesh", "서비스 메시": "Service Mesh", "서비스메시": "Service Mesh",
    "storage": "Cloud Native Storage", "스토리지": "Cloud Native Storage", "저장소": "Cloud Native Storage",
    "runtime": "Container Runtime", "container runtime": "Container Runtime", "런타임": "Container Runtime",
    "runtimes": "Container Runtime", "container runtimes": "Container Runtime",
    "컨테이너 런타임": "Container Runtime",
    "networking": "Cloud Native Network", "network": "Cloud Native Network", "네트워크": "Cloud Native Network",
    "네트워킹": "Cloud Native Network",
    "security": "Security & Compliance", "보안": "Security & Compliance", "compliance": "Security & Compliance",
    "ci cd": "Continuous Integration & Delivery", "cicd": "Continuous Integration & Delivery",
    "continuous delivery": "Continuous Integration & Delivery", "배포": "Continuous Integration & Delivery",
    "database": "Database", "databases": "Database", "데이터베이스": "Database", "db": "Database",
    "messaging": "Streaming & Messaging", "streaming": "Streaming & Messaging", "메시징": "Streaming & Messaging",
    "스트리밍": "Streaming & Messaging",
    "orchestration": "Scheduling & Orchestration", "scheduling": "Scheduling & Orchestration",
    "오케스트레이션": "Scheduling & Orchestration", "스케줄링": "Scheduling & Orchestration",
    "service discovery": "Coordination & Service Discovery", "coordination": "Coordination & Service Discovery",
    "rpc": "Remote Procedure Call", "api gateway": "API Gateway", "gateway": "API Gateway",
    "proxy": "Service Proxy", "service proxy": "Service Proxy", "프록시": "Service Proxy",
    "chaos": "Chaos Engineering", "chaos engineering": "Chaos Engineering", "카오스": "Chaos Engineering",
    "feature flag": "Feature Flagging", "feature flags": "Feature Flagging", "feature flagging": "Feature Flagging",
    "registry": "Container Registry", "container registry": "Container Registry", "레지스트리": "Container Registry",
    "key management": "Key Management", "automation": "Automation & Configuration",
    "provisioning": "Provisioning", "프로비저닝": "Provisioning",
    "app definition": "Application Definition & Image Build", "image build": "Application Definition & Image Build",
    "cost": "Continuous Optimization", "optimization": "Continuous Optimization",
    "serverless": "Serverless", "서버리스": "Serverless", "wasm": "Wasm", "webassembly": "Wasm",
    "ai": "AI Native Infra", "inference": "Inference", "추론": "Inference",
}

# Everyday words mapped to the word the keywords use, applied to need matching only.
NEED_SYNONYMS = {
    "비밀": "시크릿", "비밀번호": "시크릿", "secret": "secrets", "credential": "secrets", "credentials": "secrets",
    "password": "secrets", "passwords": "secrets", "로깅": "로그", "trace": "tracing", "traces": "tracing",
    "telemetry": "observability", "certificate": "certificates", "cert": "certificates", "certs": "certificates",
    "tls": "certificates", "bill": "cost", "billing": "cost", "bills": "cost", "spend": "cost", "spending": "cost",
    "점검": "스캔", "검사": "스캔",
}

# A request for a definition: the concept card, not a recommendation.
DEFINE_WORDS = frozenset("what whats explain define definition meaning mean means describe concept basics basic "
                         "intro introduction overview primer 기초 개요 입문 소개 "
                         "뭐야 뭔가요 뭐예요 뭐에요 무엇 무엇인가요 무엇인가 뭡니까 뜻 의미 설명 설명해 설명해줘 "
                         "설명해주세요 개념".split())

ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
            "ninth": 9, "tenth": 10, "last": 10, "첫번째": 1, "첫": 1, "두번째": 2, "세번째": 3, "네번째": 4,
            "다섯번째": 5, "여섯번째": 6, "일곱번째": 7, "여덟번째": 8, "아홉번째": 9, "열번째": 10, "마지막": 10}
# "step ten": a step named by a number word after "step"
CARDINALS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
             "ten": 10}

# "what comes after containerization on the trail map": the step after (or before) the one named.
AFTER_WORDS = frozenset("after next following 다음 다음은 다음엔 이후".split())
BEFORE_WORDS = frozenset("before previous preceding 이전 전".split())

# A name after these is what the person does *not* want: "plain yaml rather than rego".
EXCLUDE_WORDS_EN = frozenset("than instead without except besides replace replacing replacement alternative "
                             "alternatives".split())
EXCLUDE_WORDS_KO = frozenset("대신 말고 제외 대신에 대체 대체할".split())  # after the name: "X 말고"
