"""Self-aware training data labelled by a knowledge source, for a competent reference assistant.

The shipped self head answers "would a competent assistant (a current 7B-class chat model) know
this without looking it up?", not "does the 135M embedded model know it": a sentence-embedding
featurizer cannot see which model answers, and the embedded model knows too little to be the
reference. Labels therefore come from what a question is about, not from a model's reply:

- label 0 (known): well-known facts from fact tables below and from ``qa.jsonl`` (every question
  there has an accepted answer in an encyclopedia-level source), plus well-known identifiers
  (``ls -l``, HTTP 404, ``git rebase``) as hard negatives for the identifier rows;
- label 1 (unknown): made-up identifiers (flags, config keys, error codes, internal tools),
  private and organisational facts, long-tail facts about obscure places, people and businesses,
  and hard positives that share surface words with known facts ("the capital budget of our Paris
  office").

English and Chinese, several writing styles (``style``). Every row carries a ``family``; the
families in ``VAL_FAMILIES`` are used for validation only, so validation shares no template family
with training. Nothing here is drawn from ``bench.jsonl`` (and ``corpus.build`` drops any row that
matches a benchmark question).
"""

from __future__ import annotations

import json
import random

from plait.plugins.uar.datagen import DATA_DIR

# --- known: (question, family) tables ---------------------------------------------------------

CAPITALS = [("Japan", "日本"), ("Germany", "德国"), ("Italy", "意大利"), ("Spain", "西班牙"), ("Canada", "加拿大"),
            ("Egypt", "埃及"), ("Brazil", "巴西"), ("Russia", "俄罗斯"), ("India", "印度"), ("Mexico", "墨西哥"),
            ("Argentina", "阿根廷"), ("Kenya", "肯尼亚"), ("Norway", "挪威"), ("Sweden", "瑞典"), ("Greece", "希腊"),
            ("Turkey", "土耳其"), ("Thailand", "泰国"), ("Vietnam", "越南"), ("South Korea", "韩国"), ("Portugal", "葡萄牙"),
            ("Poland", "波兰"), ("Ireland", "爱尔兰"), ("Peru", "秘鲁"), ("Chile", "智利"), ("Cuba", "古巴"),
            ("Iran", "伊朗"), ("the Netherlands", "荷兰"), ("Austria", "奥地利"), ("Switzerland", "瑞士"), ("Nigeria", "尼日利亚")]
ELEMENTS = [("gold", "金"), ("silver", "银"), ("iron", "铁"), ("oxygen", "氧"), ("hydrogen", "氢"), ("sodium", "钠"),
            ("potassium", "钾"), ("carbon", "碳"), ("helium", "氦"), ("copper", "铜"), ("lead", "铅"), ("mercury", "汞"),
            ("nitrogen", "氮"), ("calcium", "钙"), ("uranium", "铀")]
AUTHORS = [("Pride and Prejudice", "《傲慢与偏见》"), ("1984", "《一九八四》"), ("The Old Man and the Sea", "《老人与海》"),
           ("Romeo and Juliet", "《罗密欧与朱丽叶》"), ("Les Misérables", "《悲惨世界》"), ("Journey to the West", "《西游记》"),
           ("The Little Prince", "《小王子》"), ("One Hundred Years of Solitude", "《百年孤独》"), ("Anna Karenina", "《安娜·卡列尼娜》"),
           ("The Art of War", "《孙子兵法》"), ("Water Margin", "《水浒传》"), ("Faust", "《浮士德》"), ("The Origin of Species", "《物种起源》"),
           ("A Brief History of Time", "《时间简史》"), ("Harry Potter", "《哈利·波特》")]
PEOPLE = [("Albert Einstein", "爱因斯坦"), ("Isaac Newton", "牛顿"), ("Marie Curie", "居里夫人"), ("Leonardo da Vinci", "达·芬奇"),
          ("Confucius", "孔子"), ("Napoleon", "拿破仑"), ("Mozart", "莫扎特"), ("Nelson Mandela", "曼德拉"), ("Galileo", "伽利略"),
          ("Thomas Edison", "爱迪生"), ("William Shakespeare", "莎士比亚"), ("Qin Shi Huang", "秦始皇"), ("Alan Turing", "图灵"),
          ("Charles Darwin", "达尔文"), ("Beethoven", "贝多芬"), ("Li Bai", "李白"), ("Abraham Lincoln", "林肯"), ("Sun Yat-sen", "孙中山")]
LANDMARKS = [("the Eiffel Tower", "埃菲尔铁塔"), ("the Great Wall", "长城"), ("the Colosseum", "罗马斗兽场"), ("the Taj Mahal", "泰姬陵"),
             ("the Statue of Liberty", "自由女神像"), ("Machu Picchu", "马丘比丘"), ("the Forbidden City", "故宫"),
             ("the Pyramids of Giza", "吉萨金字塔"), ("Big Ben", "大本钟"), ("the Sydney Opera House", "悉尼歌剧院"),
             ("Mount Fuji", "富士山"), ("the Leaning Tower of Pisa", "比萨斜塔")]
CONCEPTS = [("photosynthesis", "光合作用"), ("gravity", "万有引力"), ("DNA", "DNA"), ("an atom", "原子"), ("inflation", "通货膨胀"),
            ("democracy", "民主"), ("a black hole", "黑洞"), ("the greenhouse effect", "温室效应"), ("a vaccine", "疫苗"),
            ("an algorithm", "算法"), ("a prime number", "质数"), ("the Pythagorean theorem", "勾股定理"), ("evolution", "进化"),
            ("a virus", "病毒"), ("the speed of light", "光速"), ("an ecosystem", "生态系统"), ("osmosis", "渗透作用"),
            ("the Renaissance", "文艺复兴"), ("the Industrial Revolution", "工业革命"), ("a recession", "经济衰退")]
# Well-known identifiers: the hard negatives of the made-up-identifier rows.
KNOWN_IDENTS_EN = ["What does the -r flag of rm do?", "What does HTTP status 404 mean?", "What does git rebase do?",
                   "What is the sudo command for?", "What does the ls -l option show?", "What does HTTP 500 mean?",
                   "What is ISO 8601?", "What does the chmod 755 permission mean?", "What does SQL's GROUP BY do?",
                   "What does the Python len() function return?", "What does CSS stand for?", "What is UTF-8?",
                   "What does the grep -i flag do?", "What is port 443 used for?", "What does USB stand for?",
                   "What does the tar -x option do?", "What is IPv6?", "What does the HTML <a> tag do?",
                   "What does the --help flag usually do?", "What is the difference between TCP and UDP?",
                   "What is JSON?", "What does RAM stand for?", "What does Ctrl+C do in a terminal?",
                   "What does the kill -9 signal do?", "What does DNS do?", "What is a 403 Forbidden error?"]
KNOWN_IDENTS_ZH = ["rm 命令的 -r 参数是做什么的？", "HTTP 404 是什么意思？", "git rebase 是做什么的？", "sudo 命令有什么用？",
                   "ls -l 会显示什么？", "HTTP 500 错误是什么意思？", "ISO 8601 是什么标准？", "chmod 755 是什么权限？",
                   "SQL 里的 GROUP BY 是做什么的？", "Python 的 len() 函数返回什么？", "CSS 是什么的缩写？", "UTF-8 是什么？",
                   "grep 的 -i 参数是什么意思？", "443 端口一般用来做什么？", "USB 是什么的缩写？", "什么是 IPv6？",
                   "TCP 和 UDP 有什么区别？", "JSON 是什么格式？", "终端里按 Ctrl+C 有什么作用？", "DNS 是做什么的？"]
MISC_EN = ["How many continents are there?", "What is the largest ocean on Earth?", "What is the longest river in Africa?",
           "What is the tallest mountain in the world?", "How many legs does a spider have?", "What gas do plants absorb?",
           "What is the boiling point of water in Celsius?", "How many sides does a hexagon have?", "Who painted the Mona Lisa?",
           "What language is spoken in Brazil?", "What is the currency of Japan?", "Which planet is known as the Red Planet?",
           "How many bones are in the adult human body?", "What is the square root of 144?", "Who was the first person on the Moon?",
           "In which year did the Berlin Wall fall?", "What is the freezing point of water in Fahrenheit?", "What is the largest desert?",
           "Which organ pumps blood through the body?", "What is the main ingredient of guacamole?", "How many players are on a soccer team?",
           "What is the chemical formula of water?", "Which animal is the largest mammal?", "What is the smallest prime number?",
           "Who invented the telephone?", "What is the hardest natural substance?", "Which country has the largest population?",
           "How many minutes are in an hour?", "What does a thermometer measure?", "Which ocean lies between Europe and America?"]
MISC_ZH = ["世界上有几大洲？", "地球上最大的海洋是哪个？", "非洲最长的河流是哪条？", "世界最高的山峰是哪座？", "蜘蛛有几条腿？",
           "植物吸收什么气体？", "水的沸点是多少摄氏度？", "六边形有几条边？", "《蒙娜丽莎》是谁画的？", "巴西说什么语言？",
           "日本的货币是什么？", "哪颗行星被称为红色星球？", "成年人有多少块骨头？", "144 的平方根是多少？", "第一个登上月球的人是谁？",
           "柏林墙是哪一年倒塌的？", "世界上最大的沙漠是哪个？", "哪个器官负责泵血？", "一支足球队上场有几名球员？", "水的化学式是什么？",
           "最大的哺乳动物是什么？", "最小的质数是几？", "电话是谁发明的？", "自然界最硬的物质是什么？", "一小时有多少分钟？",
           "温度计是用来测量什么的？", "长江流入哪个海？", "中国的国旗是什么颜色？", "京剧起源于哪个城市？", "一年有多少天？"]


def _known(rng: random.Random) -> list[tuple[str, str, str]]:
    """(question, lang, family) rows a competent assistant answers from memory."""
    out = []
    for en, zh in CAPITALS:
        out += [(f"What is the capital of {en}?", "en", "capital"), (f"{zh}的首都是哪里？", "zh", "capital"),
                (f"Which city is the capital of {en}?", "en", "capital"), (f"{zh}首都是哪个城市？", "zh", "capital")]
    for en, zh in ELEMENTS:
        out += [(f"What is the chemical symbol of {en}?", "en", "element"), (f"{zh}的化学符号是什么？", "zh", "element"),
                (f"What is the atomic number of {en}?", "en", "element"), (f"{zh}元素的原子序数是多少？", "zh", "element")]
    for en, zh in AUTHORS:
        out += [(f"Who wrote {en}?", "en", "author"), (f"{zh}的作者是谁？", "zh", "author"),
                (f"Who is the author of {en}?", "en", "author"), (f"{zh}是谁写的？", "zh", "author")]
    for en, zh in PEOPLE:
        out += [(f"Who was {en}?", "en", "person"), (f"{zh}是谁？", "zh", "person"),
                (f"What is {en} famous for?", "en", "person"), (f"{zh}以什么闻名？", "zh", "person")]
    for en, zh in LANDMARKS:
        out += [(f"Where is {en}?", "en", "landmark"), (f"{zh}在哪里？", "zh", "landmark"),
                (f"In which country is {en}?", "en", "landmark"), (f"{zh}位于哪个国家？", "zh", "landmark")]
    for en, zh in CONCEPTS:
        out += [(f"What is {en}?", "en", "concept"), (f"什么是{zh}？", "zh", "concept"),
                (f"Can you explain {en}?", "en", "concept"), (f"请解释一下{zh}。", "zh", "concept")]
    out += [(q, "en", "known-ident") for q in KNOWN_IDENTS_EN] + [(q, "zh", "known-ident") for q in KNOWN_IDENTS_ZH]
    out += [(q, "en", "misc") for q in MISC_EN] + [(q, "zh", "misc") for q in MISC_ZH]
    qa = DATA_DIR / "qa.jsonl"
    if qa.is_file():
        for line in qa.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                out.append((r["question"], r.get("lang", "en"), "qa"))
    return out


# --- unknown: generated, so no model has seen them -------------------------------------------

SYL = ["zor", "vex", "quil", "brin", "tav", "mol", "kren", "dax", "fen", "lor", "pim", "sar", "tuk", "wyn", "gal", "hox",
       "nim", "rux", "bel", "cor", "tresh", "ulm", "yav", "osk", "plim", "drav", "skel", "marn", "quor", "zint"]
FIRST_EN = ["Anna", "Tom", "Priya", "Lukas", "Mei", "Carlos", "Fatima", "Jonas", "Sofia", "Ravi", "Elena", "Ben", "Yuki", "Omar"]
LAST_EN = ["Halvorsen", "Okafor", "Brandt", "Delacroix", "Nakamura", "Pellegrini", "Kowalczyk", "Ferreira", "Lindqvist", "Moreau"]
NAMES_ZH = ["王晓东", "李静怡", "陈国栋", "张美玲", "刘志远", "赵雅琴", "孙浩然", "周晓梅", "吴建华", "郑丽娟"]
TOWNS_ZH = ["青石镇", "柳河村", "东岗乡", "白沙屯", "南坪镇", "杨柳湾", "石门坎", "桃源里"]


def _word(rng: random.Random, n: int = 2) -> str:
    return "".join(rng.choice(SYL) for _ in range(n))


def _ident(rng: random.Random) -> str:
    w = _word(rng, rng.choice([2, 2, 3]))
    return rng.choice([f"{w}-{rng.randint(2, 99)}", f"--{w}", f"{w}_{_word(rng, 1)}", f"{w.upper()[:4]}{rng.randint(100, 9999)}",
                       f"{w}.{_word(rng, 1)}_{rng.choice(['ms', 'max', 'mode', 'size', 'limit'])}", f"{w.capitalize()}{_word(rng, 1).capitalize()}"])


def _town(rng: random.Random) -> str:
    return _word(rng, 2).capitalize() + rng.choice(["", "ville", "berg", "ford", "stad", " Creek", "heim", "ton"])


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_EN)} {rng.choice(LAST_EN)}"


def _unknown(rng: random.Random, n: int) -> list[tuple[str, str, str]]:
    gens = {
        "ident": [
            lambda: (f"What does the {_ident(rng)} flag enable?", "en"),
            lambda: (f"What is the default value of {_ident(rng)}?", "en"),
            lambda: (f"What does error {_ident(rng)} mean?", "en"),
            lambda: (f"How do I configure {_ident(rng)}?", "en"),
            lambda: (f"what does the {_ident(rng)} option do", "en"),
            lambda: (f"Which service owns the {_ident(rng)} endpoint?", "en"),
            lambda: (f"{_ident(rng)} 参数是做什么用的？", "zh"),
            lambda: (f"{_ident(rng)} 的默认值是多少？", "zh"),
            lambda: (f"报错 {_ident(rng)} 是什么意思？", "zh"),
            lambda: (f"怎么配置 {_ident(rng)}？", "zh"),
        ],
        "codename": [
            lambda: (f"What is Project {_word(rng).capitalize()} about?", "en"),
            lambda: (f"Who leads the {_word(rng).capitalize()} team?", "en"),
            lambda: (f"When does {_word(rng).capitalize()} {rng.randint(2, 9)}.{rng.randint(0, 9)} ship?", "en"),
            lambda: (f"{_word(rng).capitalize()} 项目是做什么的？", "zh"),
            lambda: (f"{_word(rng).capitalize()} 小组的负责人是谁？", "zh"),
        ],
        "private": [
            lambda: (rng.choice(["When is my next dentist appointment?", "What did my manager say about my raise?",
                                 "Where did I park the car yesterday?", "What's the password for our team's staging server?",
                                 "How much did we spend on catering last quarter?", "What is our company's parental leave policy?",
                                 "Which clients did Sarah meet last week?", "What's in the contract we signed with the landlord?",
                                 "What did we decide in Tuesday's standup?", "What is my order number for the new desk?"]), "en"),
            lambda: (f"What is {_person(rng)}'s phone extension?", "en"),
            lambda: (f"When did {_person(rng)} join our team?", "en"),
            lambda: (f"What did {_person(rng)} write in the incident report?", "en"),
            lambda: (rng.choice(["我下次体检是什么时候？", "我们公司的年假政策是什么？", "上周例会决定了什么？", "我的快递单号是多少？",
                                 "我们部门上季度的差旅费是多少？", "房东合同里押金是怎么约定的？", "我们组的测试服务器密码是什么？"]), "zh"),
            lambda: (f"{rng.choice(NAMES_ZH)}的分机号是多少？", "zh"),
            lambda: (f"{rng.choice(NAMES_ZH)}是什么时候加入我们团队的？", "zh"),
        ],
        "longtail": [
            lambda: (f"What was the population of {_town(rng)} in {rng.randint(1850, 1990)}?", "en"),
            lambda: (f"Who was the mayor of {_town(rng)} in {rng.randint(1900, 1995)}?", "en"),
            lambda: (f"When was {_person(rng)}, the {rng.choice(['local baker', 'village teacher', 'amateur chess player', 'regional cyclist'])}, born?", "en"),
            lambda: (f"What are the opening hours of the {_word(rng).capitalize()} bakery on {rng.choice(['Elm', 'Mill', 'Church', 'Oak'])} Street?", "en"),
            lambda: (f"How many employees did {rng.choice(LAST_EN)} & Sons have in {rng.randint(1960, 2005)}?", "en"),
            lambda: (f"Who won the {rng.randint(1950, 2000)} {_town(rng)} regional chess tournament?", "en"),
            lambda: (f"{rng.choice(TOWNS_ZH)}{rng.randint(1950, 1995)}年有多少人口？", "zh"),
            lambda: (f"{rng.choice(TOWNS_ZH)}小学第一任校长是谁？", "zh"),
            lambda: (f"{rng.choice(NAMES_ZH)}（{rng.choice(TOWNS_ZH)}的木匠）是哪一年出生的？", "zh"),
            lambda: (f"{rng.choice(TOWNS_ZH)}那家面馆几点开门？", "zh"),
        ],
        # Hard positives: surface words of well-known facts, but about something private or obscure.
        "lookalike": [
            lambda: (f"What is the capital budget of our {rng.choice(CAPITALS)[0]} office?", "en"),
            lambda: (f"Who wrote the {_word(rng).capitalize()} design doc?", "en"),
            lambda: (f"Where is the {rng.choice(LANDMARKS)[0].replace('the ', '')} meeting room in our building?", "en"),
            lambda: (f"What is {rng.choice(PEOPLE)[0]} Street's parking rule in {_town(rng)}?", "en"),
            lambda: (f"What is the chemical symbol our lab uses for the {_word(rng)} compound?", "en"),
            lambda: (f"我们{rng.choice(CAPITALS)[1]}分公司的预算是多少？", "zh"),
            lambda: (f"{_word(rng).capitalize()} 设计文档是谁写的？", "zh"),
            lambda: (f"我们楼里的{rng.choice(LANDMARKS)[1]}会议室在几层？", "zh"),
        ],
    }
    out, seen = [], set()
    fams = list(gens)
    tries = 0
    while len(out) < n and tries < 50 * n:
        tries += 1
        fam = fams[len(out) % len(fams)]
        q, lang = rng.choice(gens[fam])()
        if q not in seen:
            seen.add(q)
            out.append((q, lang, fam))
    return out


# --- writing styles ---------------------------------------------------------------------------

def _typo(rng: random.Random, q: str) -> str:
    words = q.split()
    i = rng.randrange(len(words))
    w = words[i]
    if len(w) > 3 and w.isalpha():
        j = rng.randrange(len(w) - 1)
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


def styled(rng: random.Random, q: str, lang: str) -> tuple[str, str]:
    """The question rewritten in one of several styles: (text, style)."""
    if lang == "zh":
        style = rng.choice(["plain", "plain", "polite", "doyouknow", "terse", "chatty"])
        core = q.rstrip("？?。")
        return {"plain": q, "polite": f"请问，{core}？", "doyouknow": f"你知道{core}吗？", "terse": core,
                "chatty": f"问你个问题：{core}？"}[style], style
    style = rng.choice(["plain", "plain", "lower", "polite", "doyouknow", "chatty", "typo"])
    low = q[0].lower() + q[1:]
    core = low.rstrip("?.")
    text = {"plain": q, "lower": core, "polite": f"Could you tell me {core}?", "doyouknow": f"Do you know {core}?",
            "chatty": f"hey, quick question: {core}?", "typo": _typo(rng, q)}[style]
    return text, style


# Template families used for validation only (the rest train): one known and one unknown family
# per kind of question, so the threshold is calibrated on phrasings the head never saw.
VAL_FAMILIES = {"landmark", "element", "codename", "lookalike"}


def rows(seed: int = 0, n_unknown: int = 700) -> list[dict]:
    """``{"question", "label", "lang", "source", "family", "style", "batch"}`` rows (batch A train, B val)."""
    rng = random.Random(f"selfdata-{seed}")
    out, seen = [], set()
    for label, items in ((0, _known(rng)), (1, _unknown(rng, n_unknown))):
        for q, lang, fam in items:
            text, style = styled(rng, q, lang)
            if text in seen:
                continue
            seen.add(text)
            out.append({"question": text, "label": label, "lang": lang, "source": f"knowledge:{fam}",
                        "family": fam, "style": style, "batch": "B" if fam in VAL_FAMILIES else "A"})
    return out
