"""Generate the gate's labelled training sets (intent, knowledge, time) from templates + vocab.

Run ``python -m plait.plugins.uar.datagen`` to rewrite ``data/{criterion}.{train,val}.jsonl``.
Labels: 1 = the criterion says "yes" (intent: the user explicitly asks to retrieve; knowledge:
answering needs outside facts; time: the answer changes over time). The same fact questions
appear under both labels of intent (plain vs "search the docs: ..."), and "search"-like words
appear in negatives ("don't look it up"), so no single keyword separates a set.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Callable

from plait.plugins.uar import vocab as V

DATA_DIR = Path(__file__).parent / "data"
Gen = Callable[[random.Random], str]


def _lower_first(q: str) -> str:
    return q[0].lower() + q[1:] if q and not q.startswith(("I ", "DNA", "Python", "Apple", "OpenAI")) else q


def _wrap_en(rng: random.Random, q: str) -> str:
    if not q.endswith("?"):  # an imperative ("Explain ...") only takes a polite prefix
        return rng.choice([q, q, f"Please {_lower_first(q)}", f"Could you {_lower_first(q).rstrip('.')}?"])
    body = _lower_first(q).rstrip("?")
    return rng.choice([
        q, q, f"Quick question: {q}", f"Do you know {body}?", f"Can you tell me {body}?",
        f"I was wondering, {body}?", f"{q} Just curious.", f"Hey, {body}?", f"Tell me: {q}",
    ])


def _wrap_zh(rng: random.Random, q: str) -> str:
    if not q.endswith(("？", "?")):
        return rng.choice([q, q, f"请{q}", f"麻烦{q}"])
    body = q.rstrip("？?")
    return rng.choice([q, q, f"请问{q}", f"你知道{body}吗？", f"我想了解一下，{q}", f"问一下，{q}", f"{q}谢谢！", f"麻烦告诉我，{q}"])


# --- no-knowledge tasks ------------------------------------------------------------------

def _nums(rng: random.Random) -> tuple[int, int, int]:
    return rng.randint(2, 99), rng.randint(2, 99), rng.randint(100, 999)


def no_knowledge_en(rng: random.Random) -> str:
    a, b, c = _nums(rng)
    w = rng.sample(V.WORDS_EN, 3)
    s, t, lang, task = rng.choice(V.SENTENCES_EN), rng.choice(V.THEMES_EN), rng.choice(V.LANGS_EN), rng.choice(V.CODE_TASKS_EN)
    return rng.choice([
        f"What is {a}*{b}?", f"What is {a} times {b}?", f"Compute {a} + {c}.", f"What's {c} minus {a}?",
        f"Calculate {c} divided by {b}.", f"Solve for x: {a}x + {b} = {c}", f"Is {c} a prime number?",
        f"What is {a} squared?", f"What is {a}% of {c}?", f"If I have {a} apples and eat {min(a, b)}, how many are left?",
        f"Convert {c} to binary.", f"Simplify the fraction {a}/{b}.", f"Which is larger, {a}/{b} or {b}/{a}?",
        f"Translate '{s}' into {lang}.", f"Fix the grammar: {s}", f"Rewrite this more politely: {s}",
        f"How many letters are in the word '{w[0]}'?", f"Spell '{w[0]}' backwards.",
        f"Sort these words alphabetically: {w[0]}, {w[1]}, {w[2]}", f"Write a haiku about {t}.",
        f"Tell me a short story about {t}.", f"Compose a limerick about {t}.", f"Give me a catchy title for a post about {t}.",
        f"Write a Python function that {task}.", f"Implement a function in JavaScript that {task}.",
        "Hello! How are you today?", "Thanks, that was really helpful.", "Good morning!", "Let's play a word game.",
        "Can you help me brainstorm names for my new cat?", "I'm feeling a bit tired today, cheer me up.",
        f"Put these numbers in order: {a}, {c}, {b}", f"Make a sentence using the words {w[0]} and {w[1]}.",
        f"If all bloops are razzies and all razzies are lazzies, are all bloops lazzies?",
        f"Write a two-line poem that rhymes '{w[0]}' with something.", f"Turn this into a question: {s}",
        f"What is the sum of the digits of {c}?", f"Round {c}.{a} to the nearest ten.", f"Paraphrase: {s}",
        "Hi! Nice to meet you.", "Hey, what's up?", "Good evening, how's it going?", f"Give me a synonym for '{w[1]}'.",
        f"What rhymes with '{w[2]}'?", f"Please rewrite '{s}' in the past tense.", f"Help me write a thank-you note about {t}.",
        f"Draft a short tweet about {t}.", f"Can you make this shorter: {s}", f"What is {a} to the power of {min(b, 4)}?",
    ])


def no_knowledge_zh(rng: random.Random) -> str:
    a, b, c = _nums(rng)
    w = rng.sample(V.WORDS_ZH, 3)
    s, t, lang, task = rng.choice(V.SENTENCES_ZH), rng.choice(V.THEMES_ZH), rng.choice(V.LANGS_ZH), rng.choice(V.CODE_TASKS_ZH)
    return rng.choice([
        f"{a}乘以{b}等于多少？", f"{a}*{b}是多少？", f"计算 {a} + {c}。", f"{c} 减 {a} 等于几？", f"{c} 除以 {b} 是多少？",
        f"解方程：{a}x + {b} = {c}", f"{c} 是质数吗？", f"{a} 的平方是多少？", f"{c} 的百分之{a}是多少？",
        f"我有 {a} 个苹果，吃了 {min(a, b)} 个，还剩几个？", f"把 {c} 转成二进制。", f"化简分数 {a}/{b}。",
        f"把“{s}”翻译成{lang}。", f"帮我改一下这句话的语病：{s}", f"把这句话改得更礼貌一些：{s}",
        f"“{w[0]}”这个词有几个字？", f"用“{w[0]}”和“{w[1]}”造一个句子。", f"写一首关于{t}的小诗。",
        f"给我讲一个关于{t}的小故事。", f"给一篇关于{t}的文章起个标题。", f"用 Python 写一个函数，{task}。",
        f"写一个 JavaScript 函数来{task}。", "你好！今天过得怎么样？", "谢谢，你帮了我大忙。", "早上好！",
        "我们来玩个文字游戏吧。", "帮我给新养的猫想几个名字。", "我今天有点累，说点开心的吧。",
        f"把这些数从小到大排列：{a}、{c}、{b}", "如果所有的甲都是乙，所有的乙都是丙，那么所有的甲都是丙吗？",
        f"{c} 的各位数字之和是多少？", f"把这句话换个说法：{s}", f"把这句话改成疑问句：{s}", f"写一句关于{t}的对联。",
        f"{a} 和 {b} 哪个大？", f"帮我写一段生日祝福，主题是{t}。",
        "嗨，很高兴认识你！", "你好，在吗？", "晚上好，今天辛苦了。", f"给“{w[1]}”找一个近义词。", f"请把“{s}”翻译成{lang}。",
        f"给我写一首关于{t}的五言诗。", f"请帮我把这句话缩短：{s}", f"帮我写一条关于{t}的朋友圈文案。", f"{a} 的 {min(b, 4)} 次方是多少？",
        f"请用{lang}说“{w[0]}”。",
    ])


# --- knowledge questions (stable / time-sensitive / private documents) -------------------

CITIES_EN = ["Paris", "Tokyo", "Berlin", "Shanghai", "Nairobi", "Lima", "Toronto", "Mumbai"]
CITIES_ZH = ["巴黎", "东京", "柏林", "上海", "内罗毕", "利马", "多伦多", "孟买"]
ASSETS_EN = ["Bitcoin", "gold", "Tesla shares", "crude oil", "the S&P 500", "Ethereum", "silver", "Nvidia stock"]
ASSETS_ZH = ["比特币", "黄金", "特斯拉股票", "原油", "标普 500", "以太坊", "白银", "英伟达股票"]
ORGS_EN = [("CEO", "Microsoft"), ("president", "France"), ("head coach", "Real Madrid"), ("chancellor", "Germany"),
           ("governor", "the Bank of England"), ("secretary-general", "the United Nations"), ("CEO", "Toyota")]
ORGS_ZH = [("CEO", "微软"), ("总统", "法国"), ("主教练", "皇家马德里"), ("总理", "德国"), ("行长", "英格兰银行"),
           ("秘书长", "联合国"), ("总裁", "丰田")]
SOFTWARE = ["Python", "Node.js", "PostgreSQL", "Linux kernel", "Chrome", "PyTorch", "Android", "VS Code"]
PEOPLE_EN = [("Marie Curie", "discover"), ("Isaac Newton", "describe"), ("Ada Lovelace", "write"), ("Nikola Tesla", "invent"),
             ("Charles Darwin", "propose"), ("Confucius", "teach"), ("Galileo", "observe")]
PEOPLE_ZH = ["居里夫人", "牛顿", "爱达·洛夫莱斯", "特斯拉", "达尔文", "孔子", "伽利略", "李白", "张衡"]


def timely_en(rng: random.Random) -> str:
    city, asset, (role, org), sw = rng.choice(CITIES_EN), rng.choice(ASSETS_EN), rng.choice(ORGS_EN), rng.choice(SOFTWARE)
    q = rng.choice([
        rng.choice(V.TIME_FACTS_EN), rng.choice(V.TIME_FACTS_EN),
        f"What's the weather in {city} {rng.choice(['today', 'this afternoon', 'tomorrow', 'right now'])}?",
        f"What is the price of {asset} {rng.choice(['right now', 'today', 'at the moment', 'this week'])}?",
        f"Who is the current {role} of {org}?", f"Who is the {role} of {org} now?",
        f"What is the latest version of {sw}?", f"Has a new {sw} release come out recently?",
        f"Any news about {org} this week?", f"How is {asset} doing on the market today?",
        f"What time does the sun set in {city} tonight?", f"Is it raining in {city} at the moment?",
        f"Who is the CEO of {rng.choice(V.COMPANIES_EN)}?", f"How much does {rng.choice(V.PRODUCTS_EN)} cost these days?",
        f"What is {rng.choice(V.COMPANIES_EN)}'s share price today?", f"Who leads {rng.choice(V.LEAGUES_EN)} right now?",
        f"Who won the latest {rng.choice(V.LEAGUES_EN)} title?", f"What's the forecast for {city} this weekend?",
        f"Who currently leads {rng.choice(V.COUNTRIES_EN)}?", f"What's new with {rng.choice(V.COMPANIES_EN)} this month?",
        f"What is the population of {rng.choice(V.COUNTRIES_EN)} now?", f"Will it rain in {city} tomorrow?",
        f"Who is {rng.choice(V.COUNTRIES_EN)}'s head of state these days?",
    ])
    return _wrap_en(rng, q)


def timely_zh(rng: random.Random) -> str:
    city, asset, (role, org), sw = rng.choice(CITIES_ZH), rng.choice(ASSETS_ZH), rng.choice(ORGS_ZH), rng.choice(SOFTWARE)
    q = rng.choice([
        rng.choice(V.TIME_FACTS_ZH), rng.choice(V.TIME_FACTS_ZH),
        f"{city}{rng.choice(['今天', '明天', '现在', '今天下午'])}天气怎么样？",
        f"{asset}{rng.choice(['现在', '今天', '这周', '目前'])}的价格是多少？",
        f"{org}现任{role}是谁？", f"{org}现在的{role}是谁？", f"{sw} 最新的版本是多少？", f"{sw} 最近发布新版本了吗？",
        f"这周{org}有什么新闻？", f"{asset}今天行情怎么样？", f"今晚{city}几点日落？", f"{city}现在在下雨吗？",
        f"{rng.choice(V.COMPANIES_ZH)}的 CEO 是谁？", f"{rng.choice(V.PRODUCTS_ZH)}现在卖多少钱？",
        f"{rng.choice(V.COMPANIES_ZH)}今天股价多少？", f"{rng.choice(V.LEAGUES_ZH)}现在谁排第一？",
        f"最新一届{rng.choice(V.LEAGUES_ZH)}冠军是谁？", f"{city}这个周末天气预报怎么说？", f"{rng.choice(V.COUNTRIES_ZH)}现在的领导人是谁？",
        f"{rng.choice(V.COMPANIES_ZH)}这个月有什么新动态？", f"{rng.choice(V.COUNTRIES_ZH)}目前有多少人口？", f"明天{city}会下雨吗？",
        f"{rng.choice(V.COMPANIES_ZH)}现任董事长是谁？",
    ])
    return _wrap_zh(rng, q)


def stable_en(rng: random.Random) -> str:
    (person, verb), (role, org), city = rng.choice(PEOPLE_EN), rng.choice(ORGS_EN), rng.choice(CITIES_EN)
    q = rng.choice([
        rng.choice(V.STABLE_FACTS_EN), rng.choice(V.STABLE_FACTS_EN), rng.choice(V.STABLE_FACTS_EN),
        f"What did {person} {verb}?", f"When was {person} born?", f"Who was the first {role} of {org}?",
        f"In what year was {city} founded?", f"What was the price of {rng.choice(ASSETS_EN)} in {rng.randint(1990, 2015)}?",
        f"Why is {city} historically important?", f"What is {person} best known for?",
        f"Who wrote {rng.choice(V.BOOKS_EN)}?", f"What is the capital of {rng.choice(V.COUNTRIES_EN)}?",
        f"Explain {rng.choice(V.CONCEPTS_EN)}.", f"Tell me about {rng.choice(V.CONCEPTS_EN)}.",
        f"Describe {rng.choice(V.CONCEPTS_EN)}.", f"When did {rng.choice(V.EVENTS_EN)} happen?",
        f"What is the official language of {rng.choice(V.COUNTRIES_EN)}?", f"Give me an overview of {rng.choice(V.CONCEPTS_EN)}.",
        f"Why did {rng.choice(V.EVENTS_EN)} matter?", f"Who founded {rng.choice(V.COMPANIES_EN)}?",
        f"What is {rng.choice(V.BOOKS_EN)} about?",
    ])
    return _wrap_en(rng, q)


def stable_zh(rng: random.Random) -> str:
    person, (role, org), city = rng.choice(PEOPLE_ZH), rng.choice(ORGS_ZH), rng.choice(CITIES_ZH)
    q = rng.choice([
        rng.choice(V.STABLE_FACTS_ZH), rng.choice(V.STABLE_FACTS_ZH), rng.choice(V.STABLE_FACTS_ZH),
        f"{person}有什么成就？", f"{person}是哪一年出生的？", f"{org}第一任{role}是谁？", f"{city}是哪一年建城的？",
        f"{rng.randint(1990, 2015)}年{rng.choice(ASSETS_ZH)}的价格是多少？", f"{city}在历史上为什么重要？", f"{person}以什么闻名？",
        f"{rng.choice(V.BOOKS_ZH)}的作者是谁？", f"{rng.choice(V.COUNTRIES_ZH)}的首都是哪里？", f"解释一下{rng.choice(V.CONCEPTS_ZH)}。",
        f"给我讲讲{rng.choice(V.CONCEPTS_ZH)}。", f"介绍一下{rng.choice(V.CONCEPTS_ZH)}。", f"{rng.choice(V.EVENTS_ZH)}发生在哪一年？",
        f"{rng.choice(V.COUNTRIES_ZH)}的官方语言是什么？", f"{rng.choice(V.EVENTS_ZH)}有什么历史意义？",
        f"{rng.choice(V.COMPANIES_ZH)}是谁创办的？", f"{rng.choice(V.BOOKS_ZH)}讲了什么故事？",
    ])
    return _wrap_zh(rng, q)


def doc_question_en(rng: random.Random) -> str:
    d = rng.choice(V.DOC_TOPICS_EN)
    return rng.choice([f"What is {d}?", f"Can you explain {d}?", f"What changed in {d}?", f"Who is responsible for {d}?"])


def doc_question_zh(rng: random.Random) -> str:
    d = rng.choice(V.DOC_TOPICS_ZH)
    return rng.choice([f"{d}是什么？", f"能解释一下{d}吗？", f"{d}有什么变化？", f"{d}由谁负责？"])


def fact_en(rng: random.Random) -> str:
    return rng.choice([stable_en, stable_en, timely_en, doc_question_en])(rng)


def fact_zh(rng: random.Random) -> str:
    return rng.choice([stable_zh, stable_zh, timely_zh, doc_question_zh])(rng)


# --- explicit retrieval intent ------------------------------------------------------------

def intent_yes_en(rng: random.Random) -> str:
    d, c = rng.choice(V.DOC_TOPICS_EN), rng.choice(V.CONCEPTS_EN)
    f = rng.choice([stable_en, timely_en])(rng)
    fl = _lower_first(f)
    return rng.choice([
        f"Search my documents for {d}.", f"Look up {d} in the knowledge base.", f"Can you check the docs for {d}?",
        f"Please retrieve the passages about {d}.", f"Find {d} in my notes.", f"What do my files say about {d}?",
        f"Pull up the section on {d}.", f"Go through the wiki and find {d}.", f"Dig through the manuals for {d}.",
        f"Is there anything in the knowledge base about {d}?", f"Show me where the handbook mentions {d}.",
        f"Do a quick search on {d}.", f"According to the uploaded documents, {fl}", f"Use the knowledge base to answer: {f}",
        f"Search the web: {f}", f"Please look it up: {f}", f"Check your sources and tell me: {fl}",
        f"Retrieve relevant documents first, then answer: {f}", f"Based on the internal wiki, {fl}",
        f"Cite the documents when you answer: {f}", f"Look this up for me, {fl}", f"Google it: {f}",
        f"Consult the reference material. {f}", f"With the help of my library, {fl}", f"Find sources online: {f}",
        f"Check my notes: {doc_question_en(rng)}", f"Look in my files: {doc_question_en(rng)}", f"Search for {c}.",
        f"Find me articles about {c}.", f"Search online for {c}.", f"Look up {c} on Wikipedia.",
        f"Search the knowledge base: {doc_question_en(rng)}", f"Can you find the document that explains {d}?",
        f"What does the handbook say about {d}?", f"Open the docs and check {d}.", f"Browse the indexed files for {d}.",
    ])


def intent_no_en(rng: random.Random) -> str:
    f = fact_en(rng)
    t = rng.choice(V.THEMES_EN)
    k = no_knowledge_en(rng)
    return rng.choice([
        f, f, f, f, k, k, k, k, f"Without looking anything up, {_lower_first(f)}", f"Don't look anything up, {_lower_first(k)}",
        f"No search needed: {k}", f"Just from what you know, {_lower_first(f)}",
        f"Don't search, just answer: {f}", f"From memory only: {f}", f"No need to check the documents. {f}",
        f"Answer off the top of your head: {f}", f"Please don't retrieve anything. {f}",
        f"Write a short document about {t}.", "How should I organize my notes?", "What is a search engine?",
        "Explain how a knowledge base works.", f"Give me your own opinion, no sources needed: {f}",
    ])


def intent_yes_zh(rng: random.Random) -> str:
    d, c = rng.choice(V.DOC_TOPICS_ZH), rng.choice(V.CONCEPTS_ZH)
    f = rng.choice([stable_zh, timely_zh])(rng)
    return rng.choice([
        f"查一下我的笔记：{doc_question_zh(rng)}", f"在我的文件里找找：{doc_question_zh(rng)}", f"搜索一下{c}。",
        f"在维基百科上查一下{c}。", f"帮我找几篇关于{c}的文章。", f"手册里对{d}是怎么说的？", f"打开文档看看{d}。",
        f"在知识库中搜索：{doc_question_zh(rng)}", f"上网查查{c}。",
        f"在我的文档里搜索{d}。", f"在知识库里查一下{d}。", f"帮我查查文档里关于{d}的内容。", f"请检索有关{d}的段落。",
        f"在我的笔记里找到{d}。", f"我的文件里是怎么写{d}的？", f"把关于{d}的那一节调出来。", f"翻一下维基，找到{d}。",
        f"知识库里有没有关于{d}的内容？", f"告诉我手册里哪里提到了{d}。", f"快速搜索一下{d}。", f"根据上传的文档，{f}",
        f"用知识库回答：{f}", f"上网搜一下：{f}", f"请查一下资料：{f}", f"先检索相关文档，再回答：{f}",
        f"根据内部维基，{f}", f"回答时请引用文档：{f}", f"帮我查一查，{f}", f"参考一下资料库，{f}", f"百度一下：{f}",
        f"查阅参考资料后告诉我，{f}",
    ])


def intent_no_zh(rng: random.Random) -> str:
    f = fact_zh(rng)
    t = rng.choice(V.THEMES_ZH)
    k = no_knowledge_zh(rng)
    return rng.choice([
        f, f, f, f, k, k, k, k, f"不用查资料，直接回答：{f}", f"不用搜索，{k}", f"别查了，{k}", f"凭你自己的知识说说，{f}", f"别搜索了，凭记忆告诉我：{f}",
        f"不需要看文档，{f}", f"你自己想一想就行，{f}", f"请不要检索任何东西。{f}", f"写一篇关于{t}的短文。",
        "我应该怎么整理我的笔记？", "搜索引擎是什么？", "解释一下知识库是怎么工作的。", f"说说你自己的看法，不需要出处：{f}",
    ])


GENERATORS: dict[str, dict[str, tuple[Gen, Gen]]] = {
    # criterion -> lang -> (label-1 generator, label-0 generator)
    "intent": {"en": (intent_yes_en, intent_no_en), "zh": (intent_yes_zh, intent_no_zh)},
    "knowledge": {"en": (fact_en, no_knowledge_en), "zh": (fact_zh, no_knowledge_zh)},
    "time": {
        "en": (timely_en, lambda r: r.choice([stable_en, stable_en, no_knowledge_en, doc_question_en])(r)),
        "zh": (timely_zh, lambda r: r.choice([stable_zh, stable_zh, no_knowledge_zh, doc_question_zh])(r)),
    },
}


def generate(criterion: str, per_cell: int = 200, seed: int = 7) -> list[dict]:
    """``per_cell`` distinct questions for each (language, label); shuffled."""
    rng = random.Random(f"{criterion}-{seed}")
    rows: list[dict] = []
    for lang, (yes, no) in GENERATORS[criterion].items():
        for label, gen in ((1, yes), (0, no)):
            seen: set[str] = set()
            tries = 0
            while len(seen) < per_cell and tries < per_cell * 200:
                tries += 1
                q = gen(rng)
                if q not in seen:
                    seen.add(q)
                    rows.append({"question": q, "label": label, "lang": lang})
    # A question must not carry both labels (possible when a template is shared).
    labels: dict[str, set[int]] = {}
    for r in rows:
        labels.setdefault(r["question"], set()).add(r["label"])
    rows = [r for r in rows if len(labels[r["question"]]) == 1]
    rng.shuffle(rows)
    return rows


def split(rows: list[dict], val_fraction: float = 0.2) -> tuple[list[dict], list[dict]]:
    n_val = int(len(rows) * val_fraction)
    return rows[n_val:], rows[:n_val]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


# Intent hinges on a short phrase inside a sentence; it needs more examples than the others.
PER_CELL = {"intent": 320, "knowledge": 200, "time": 200}


def main() -> None:
    DATA_DIR.mkdir(exist_ok=True)
    for criterion in GENERATORS:
        train, val = split(generate(criterion, PER_CELL[criterion]))
        write_jsonl(DATA_DIR / f"{criterion}.train.jsonl", train)
        write_jsonl(DATA_DIR / f"{criterion}.val.jsonl", val)
        print(f"{criterion}: {len(train)} train, {len(val)} val")


if __name__ == "__main__":
    main()
