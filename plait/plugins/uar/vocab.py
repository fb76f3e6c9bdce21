"""Vocabulary for the gate's training-data generator (``datagen.py``), English and Chinese.

Lists are paired where a template needs the same slot in both languages; each is varied on
purpose so that no single word separates the labels.
"""

from __future__ import annotations

# Things a user keeps in their own knowledge base (documents, notes, wiki pages).
DOC_TOPICS_EN = [
    "the ingestion settings", "the deployment guide", "our refund policy", "the Q3 sales report",
    "the onboarding checklist", "the API rate limits", "Monday's meeting notes", "the backup schedule",
    "the security incident from last month", "the vendor contract terms", "the chunk size option",
    "the release checklist", "the travel reimbursement rules", "the database migration plan",
    "the support escalation process", "the hiring plan for next year", "the style guide for headings",
    "the error codes of the billing service", "the VPN setup instructions", "the project roadmap",
    "the warranty conditions", "the data retention policy", "the office Wi-Fi password procedure",
    "the quarterly budget", "the benchmark results", "the customer complaint about late delivery",
    "the architecture decision records", "the naming conventions", "the holiday schedule",
    "the test coverage numbers",
]
DOC_TOPICS_ZH = [
    "导入配置", "部署指南", "退款政策", "第三季度销售报告", "入职清单", "接口限流规则", "周一的会议纪要",
    "备份计划", "上个月的安全事故", "供应商合同条款", "分块大小参数", "发布检查清单", "差旅报销规定",
    "数据库迁移方案", "客服升级流程", "明年的招聘计划", "标题的写作规范", "计费服务的错误码", "VPN 配置说明",
    "项目路线图", "保修条款", "数据保留政策", "办公室网络的申请流程", "季度预算", "性能测试结果",
    "客户关于延迟发货的投诉", "架构决策记录", "命名规范", "假期安排", "测试覆盖率数据",
]

# Stable world facts (question, no time dependence).
STABLE_FACTS_EN = [
    "Who wrote Pride and Prejudice?", "What is the capital of Australia?", "When did the Berlin Wall fall?",
    "Who painted the Mona Lisa?", "What is the chemical symbol for gold?", "How many bones are in the adult human body?",
    "Which planet is closest to the sun?", "Who discovered penicillin?", "What is the boiling point of water at sea level?",
    "In which year did the Titanic sink?", "What language is spoken in Brazil?", "Who composed the Moonlight Sonata?",
    "What is the longest river in Africa?", "How many sides does a hexagon have?", "Who developed the theory of general relativity?",
    "What is the largest ocean on Earth?", "Which element has atomic number 6?", "Who was the first person to walk on the moon?",
    "What is the speed of light in a vacuum?", "Where is the Great Barrier Reef?", "What does DNA stand for?",
    "Who invented the telephone?", "What is the smallest prime number?", "Which continent is Egypt in?",
    "What is photosynthesis?", "How does a transistor work?", "Who wrote the Analects?", "What causes the seasons on Earth?",
    "What is the freezing point of water in Fahrenheit?", "Which country has the city of Kyoto?",
    "Who was the first emperor of the Qin dynasty?", "What is the hardest natural mineral?",
    "What year did World War II end?", "Who wrote One Hundred Years of Solitude?", "What is the main gas in Earth's atmosphere?",
    "How many players are on a soccer team on the field?", "What is the square root of a negative number called?",
    "Who built the first practical steam engine?", "What is the tallest mountain in the world?", "What is an isotope?",
]
STABLE_FACTS_ZH = [
    "《傲慢与偏见》的作者是谁？", "澳大利亚的首都是哪里？", "柏林墙是哪一年倒塌的？", "《蒙娜丽莎》是谁画的？",
    "金的化学符号是什么？", "成年人有多少块骨头？", "离太阳最近的行星是哪颗？", "青霉素是谁发现的？",
    "海平面上水的沸点是多少度？", "泰坦尼克号是哪一年沉没的？", "巴西人说什么语言？", "《月光奏鸣曲》是谁创作的？",
    "非洲最长的河流是哪条？", "六边形有几条边？", "广义相对论是谁提出的？", "地球上最大的海洋是哪个？",
    "原子序数为 6 的元素是什么？", "第一个登上月球的人是谁？", "真空中的光速是多少？", "大堡礁在哪里？",
    "DNA 是什么的缩写？", "电话是谁发明的？", "光合作用是什么？", "晶体管是怎么工作的？", "《论语》是谁编写的？",
    "地球为什么会有四季？", "京都在哪个国家？", "秦朝的第一位皇帝是谁？", "自然界最硬的矿物是什么？",
    "第二次世界大战是哪一年结束的？", "《百年孤独》的作者是谁？", "地球大气中含量最多的气体是什么？",
    "一支足球队场上有几名球员？", "世界上最高的山峰是哪座？", "什么是同位素？", "唐朝的都城在哪里？",
    "长城最早修建于哪个朝代？", "《红楼梦》的作者是谁？", "水的化学式是什么？", "月球绕地球一周需要多久？",
]

# Facts whose answer changes over time.
TIME_FACTS_EN = [
    "What is the current price of Bitcoin?", "Who is the current prime minister of the United Kingdom?",
    "What's the weather like in Paris today?", "What is the latest version of Python?",
    "Who won the most recent Champions League final?", "What are today's top headlines?",
    "How much is one euro worth in US dollars right now?", "What is Apple's stock price this week?",
    "Who is leading the Premier League table at the moment?", "What's the newest iPhone model?",
    "Is the Louvre open today?", "What is the current inflation rate in Japan?", "Who is the CEO of OpenAI these days?",
    "What movies are playing in theaters this weekend?", "What is the population of Shanghai now?",
    "Has the new Rust release come out yet?", "What's trending on social media today?",
    "What is the current interest rate set by the Federal Reserve?", "Who holds the marathon world record now?",
    "How many COVID cases were reported this week?", "What time is sunset in Tokyo tonight?",
    "What is the gas price in California right now?", "Which team won last night's NBA game?",
    "What is the latest stable release of Kubernetes?", "Is there a traffic jam on the bridge right now?",
    "What's the current exchange rate between yuan and dollar?", "Who is the richest person in the world today?",
    "What did the central bank announce this morning?", "What is the air quality index in Delhi today?",
    "When is the next SpaceX launch?", "Who is the reigning Wimbledon champion?", "What's the best-selling book this month?",
    "How long is the queue at the passport office today?", "What is the current version of Ubuntu LTS?",
    "What is the price of gold per ounce today?", "Who currently chairs the African Union?",
    "Which country tops the medal table so far?", "What are the opening hours of the library this week?",
    "What is the newest model in the Llama family?", "How many users does WeChat have now?",
]
TIME_FACTS_ZH = [
    "比特币现在多少钱？", "英国现任首相是谁？", "今天巴黎的天气怎么样？", "Python 最新的版本是多少？",
    "最近一届欧冠冠军是哪支球队？", "今天有哪些头条新闻？", "现在一欧元能换多少美元？", "苹果公司这周的股价是多少？",
    "目前英超积分榜第一是谁？", "最新款的 iPhone 是哪一款？", "卢浮宫今天开门吗？", "日本现在的通货膨胀率是多少？",
    "OpenAI 现在的 CEO 是谁？", "这个周末影院在放什么电影？", "上海现在有多少人口？", "Rust 的新版本发布了吗？",
    "今天社交媒体上的热搜是什么？", "美联储目前的利率是多少？", "马拉松世界纪录现在是谁保持的？",
    "今晚东京几点日落？", "加州现在的油价是多少？", "昨晚的 NBA 比赛谁赢了？", "Kubernetes 最新稳定版是哪个？",
    "大桥上现在堵车吗？", "人民币兑美元的汇率现在是多少？", "现在世界首富是谁？", "央行今天早上宣布了什么？",
    "今天北京的空气质量指数是多少？", "下一次 SpaceX 发射是什么时候？", "现任温网冠军是谁？", "这个月最畅销的书是哪本？",
    "今天出入境办事大厅排队要多久？", "今天金价是每克多少钱？", "目前奖牌榜第一的是哪个国家？",
    "图书馆这周的开放时间是什么？", "Llama 系列最新的模型是哪个？", "微信现在有多少用户？", "今年的高考分数线出来了吗？",
    "最近的台风到哪里了？", "现在的 A 股大盘指数是多少？",
]

# Tasks needing no outside knowledge (reasoning, language, creativity, small talk).
WORDS_EN = ["banana", "river", "keyboard", "lantern", "horizon", "pencil", "garden", "thunder", "window", "planet"]
WORDS_ZH = ["香蕉", "河流", "键盘", "灯笼", "地平线", "铅笔", "花园", "雷声", "窗户", "星球"]
SENTENCES_EN = [
    "me and him goes to the store yesterday", "the report were finished by the team late", "i has three cat",
    "She don't like coffee in the morning", "We was happy about the results", "their going to the park tomorrow",
    "The meeting have been moved to Friday", "He run very fast when he was young",
]
SENTENCES_ZH = [
    "我昨天去商店买了东西和他", "这份报告被团队完成的很晚", "我有三只猫们", "她早上不喜欢喝咖啡的",
    "我们对于结果感到很高兴的", "他们明天将会去了公园", "会议已经被改到星期五了的", "他年轻时候跑的非常快",
]
THEMES_EN = ["autumn rain", "a lost key", "the first snow", "a lonely robot", "morning coffee", "the ocean at night",
             "an old friend", "a city at dawn", "a broken umbrella", "a cat on a windowsill"]
THEMES_ZH = ["秋雨", "丢失的钥匙", "初雪", "孤独的机器人", "早晨的咖啡", "夜晚的大海", "老朋友", "黎明的城市", "坏掉的雨伞", "窗台上的猫"]
LANGS_EN = ["French", "Spanish", "German", "Japanese", "Chinese", "Italian"]
LANGS_ZH = ["法语", "西班牙语", "德语", "日语", "英语", "意大利语"]
CODE_TASKS_EN = [
    "reverses a linked list", "checks whether a string is a palindrome", "returns the n-th Fibonacci number",
    "merges two sorted lists", "counts the vowels in a word", "removes duplicates from a list",
    "computes the factorial of n", "flattens a nested list",
]
CODE_TASKS_ZH = [
    "反转链表", "判断字符串是不是回文", "返回第 n 个斐波那契数", "合并两个有序列表", "统计单词中的元音个数",
    "去掉列表中的重复元素", "计算 n 的阶乘", "把嵌套列表展平",
]

# Entity lists for templated questions (English, Chinese).
BOOKS_EN = ["Hamlet", "Don Quixote", "Moby-Dick", "The Odyssey", "Crime and Punishment", "Jane Eyre", "The Divine Comedy",
            "Faust", "Ulysses", "The Tale of Genji", "Madame Bovary", "The Great Gatsby", "Dracula", "Frankenstein",
            "Les Misérables", "The Art of War", "Journey to the West", "The Trial", "Beloved", "Things Fall Apart"]
BOOKS_ZH = ["《哈姆雷特》", "《堂吉诃德》", "《白鲸》", "《奥德赛》", "《罪与罚》", "《简·爱》", "《神曲》", "《浮士德》",
            "《源氏物语》", "《包法利夫人》", "《了不起的盖茨比》", "《悲惨世界》", "《孙子兵法》", "《西游记》", "《水浒传》",
            "《三国演义》", "《呐喊》", "《边城》", "《围城》", "《史记》"]
COUNTRIES_EN = ["Italy", "Egypt", "Chile", "Norway", "Vietnam", "Kenya", "Canada", "Poland", "Thailand", "Morocco",
                "Argentina", "Finland", "Greece", "Turkey", "Indonesia", "Peru", "Portugal", "Iran", "Nepal", "Cuba"]
COUNTRIES_ZH = ["意大利", "埃及", "智利", "挪威", "越南", "肯尼亚", "加拿大", "波兰", "泰国", "摩洛哥",
                "阿根廷", "芬兰", "希腊", "土耳其", "印度尼西亚", "秘鲁", "葡萄牙", "伊朗", "尼泊尔", "古巴"]
CONCEPTS_EN = ["how vaccines work", "the water cycle", "plate tectonics", "how a rainbow forms", "the French Revolution",
               "the theory of evolution", "how bridges carry weight", "the moon landing", "the Silk Road", "black holes",
               "how the heart pumps blood", "the printing press", "the Roman Empire", "how batteries store energy",
               "the Renaissance", "why the sky is blue", "the Industrial Revolution", "how tides work", "photosynthesis",
               "the Ming dynasty", "how airplanes fly", "the Cold War", "volcanoes", "the human genome", "quantum tunnelling"]
CONCEPTS_ZH = ["疫苗的原理", "水循环", "板块构造", "彩虹是怎么形成的", "法国大革命", "进化论", "桥梁如何承重", "登月",
               "丝绸之路", "黑洞", "心脏如何泵血", "印刷术", "罗马帝国", "电池如何储存能量", "文艺复兴", "天空为什么是蓝色的",
               "工业革命", "潮汐的成因", "光合作用", "明朝", "飞机为什么能飞", "冷战", "火山", "人类基因组", "量子隧穿"]
EVENTS_EN = ["the fall of Constantinople", "the signing of the Magna Carta", "the first Olympic Games of the modern era",
             "the Meiji Restoration", "the invention of the printing press", "the discovery of America by Columbus",
             "the end of the Cold War", "the building of the Great Wall", "the Apollo 11 mission", "the Battle of Waterloo"]
EVENTS_ZH = ["君士坦丁堡陷落", "《大宪章》签署", "第一届现代奥运会", "明治维新", "印刷术的发明", "哥伦布发现美洲",
             "冷战结束", "长城的修建", "阿波罗 11 号登月", "滑铁卢战役"]
COMPANIES_EN = ["Google", "Amazon", "Samsung", "Alibaba", "Tencent", "Netflix", "Boeing", "Intel", "Siemens", "Sony",
                "Meta", "Huawei", "Nike", "IBM", "Airbus"]
COMPANIES_ZH = ["谷歌", "亚马逊", "三星", "阿里巴巴", "腾讯", "奈飞", "波音", "英特尔", "西门子", "索尼", "Meta", "华为",
                "耐克", "IBM", "空客"]
PRODUCTS_EN = ["a Tesla Model Y", "the PlayStation 5", "a MacBook Air", "a Big Mac in New York", "a liter of petrol in Germany",
               "a train ticket from Paris to Lyon", "a Switch 2", "a flight from London to Tokyo", "an Nvidia H100"]
PRODUCTS_ZH = ["特斯拉 Model Y", "PlayStation 5", "MacBook Air", "北京到上海的高铁票", "一升汽油", "小米手机", "iPhone",
               "北京的房子", "一张演唱会门票"]
LEAGUES_EN = ["the Premier League", "the NBA", "La Liga", "the Bundesliga", "the Tour de France", "Formula 1", "the IPL"]
LEAGUES_ZH = ["英超", "NBA", "西甲", "德甲", "环法自行车赛", "F1", "中超"]
