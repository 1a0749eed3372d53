"""What the demo's people write and ask, shared by the demo county and the scale city: cadres' diary
lines and good deeds, the demands residents raise on a visit, the matters brought to the petition office."""

from grievances.models import Case

DIARY_LINES = [
    "到户里拉家常，了解今年收成和家里的开支。", "帮老人打扫院子，听他讲村里的变化。", "和户主一起下地，了解种植技术上的难处。",
    "宣讲了新农合和养老保险政策，解答了报销流程的疑问。", "了解到孩子上学路远，记下了校车的诉求。", "与村干部一起走访，核对低保户家庭情况。",
    "户主反映灌溉渠堵塞，影响春耕。", "在户里吃了午饭，聊到外出务工的打算。",
]
# What a diary says of the household, after its line, and how it ends (diary_text, below).
DIARY_DETAILS = [
    "{name}家{n}口人，老伴身体不好，儿子在广东打工。", "{name}说今年稻谷亩产比去年高，但价格低，想试试种油茶。",
    "{name}家的危房改造已经批了，材料还没运到。", "{name}的孙子读初中，每天走{n}里山路上学，家里想申请寄宿。",
    "{name}养了{n}头猪，问起猪瘟防疫和保险理赔的办法。", "{name}提到村口的桥栏杆松了，晚上路过不安全。",
    "{name}家去年脱贫，担心返贫，问产业补贴能不能延续。", "{name}对低保复核的结果有想法，我们讲了申请复查的程序。",
    "{name}在家带{n}个孩子，想就近找份工作。", "{name}腿脚不便，帮忙代办了慢性病门诊的手续。",
    "{name}家的果园今年挂果{n}百斤，愁销路，想联系电商。", "{name}的老屋漏雨，已拍照报村里登记。",
    "{name}想把闲置的{n}亩田流转出去，问流转价格。", "{name}家自来水压力小，高处几户常停水。",
    "{name}的女儿大学毕业回乡，想申请创业贷款。", "{name}问起新农合大病报销的比例和材料。",
    "{name}家的化肥涨价了，问有没有农资补贴。", "{name}说村里的垃圾转运不及时，夏天有味道。",
    "{name}家去年办了残疾证，补贴还没有到账。", "{name}想学电工，问县里有没有免费培训班。",
    "{name}家的耕牛去年病死了，问能否申请补助再买一头。", "{name}反映邻居建房占了他家{n}米宅基地。",
    "{name}一个人住，子女在外，平时靠邻居照应。", "{name}家的茶园想扩种，缺苗木和技术。",
]
DIARY_ENDINGS = [
    "约好下周再来看看。", "已记入民情台账，转村两委研究。", "留了电话，有事随时联系。", "回去后向乡里反映。",
    "当场讲清了政策，户主表示理解。", "答应帮忙联系相关部门。", "约了村医{n}号上门。", "下次带表格来帮着填。",
    "和村干部商量了解决办法。", "户主很满意，留我们吃了饭。", "把情况拍照存档。", "登记了诉求，按程序办理。",
]
# How the household's own work is going, in four parts: eight thousand ways, so that two diaries which happen to
# share their line and details still differ by a sentence, as real ones do, and stay under the near-copy threshold.
DIARY_SITUATION = (
    ("种的柑橘", "养的鸡鸭", "种的水稻", "栽的茶叶", "种的玉米", "养的肉牛", "种的辣椒", "种的烤烟", "养的蜜蜂", "种的油菜"),
    ("今年多收了两成", "比去年少了一半", "还没到收的时候", "收成一般", "长势不错", "遭了一场冰雹", "卖了个好价钱", "刚刚补种完"),
    ("担心价格下跌", "缺少劳力", "运输不便", "销路不稳", "技术跟不上", "资金周转困难", "病虫害多", "缺水灌溉", "仓储不够", "化肥涨价"),
    ("希望村里统一收购", "想学着在网上卖", "盼着修好机耕道", "想申请小额贷款", "希望农技员来指导", "想加入合作社", "盼着冷库早点建成",
     "希望有点补贴", "想扩大规模", "打算明年换品种"),
)


def diary_text(line: str, rng, name: str) -> str:
    """A diary as cadres write them, each its own: its line, three of the household's details, how its work is going,
    and an ending; the copied-diary flag (campaigns/flags.py) must find copies, not these shared phrases."""
    details = "".join(detail.format(name=name, n=rng.randrange(2, 9)) for detail in rng.sample(DIARY_DETAILS, 3))
    what, how, worry, wish = (rng.choice(part) for part in DIARY_SITUATION)
    return f"{line}{details}{name}{what}{how}，{worry}，{wish}。{rng.choice(DIARY_ENDINGS).format(n=rng.randrange(1, 29))}"
# (summary, case type, category name) of a demand raised on a visit.
DEMANDS = [
    ("村道路灯损坏，夜间出行不便", Case.Type.LIVELIHOOD, "其他"), ("灌溉水渠年久失修", Case.Type.LIVELIHOOD, "其他"),
    ("低保评定有异议", Case.Type.PETITION, "低保分配"), ("宅基地边界纠纷", Case.Type.PETITION, "权属纠纷"),
    ("饮水管道漏水", Case.Type.LIVELIHOOD, "其他"), ("山林流转补偿未到位", Case.Type.PETITION, "山林土地流转"),
]
# (deed, value in yuan) of a visit's good deed.
DEEDS = [("帮助联系农技员指导果树修剪", 0), ("送去米油慰问", 200), ("协助办理医保报销", 0), ("帮助修缮屋顶", 800), ("联系就业岗位", 0)]
# (summary, case type, category name) of a matter registered by the petition office.
OFFICE_MATTERS = [
    ("反映征地补偿款未足额发放", Case.Type.PETITION, "农村土地征用"), ("养殖场污水直排河道", Case.Type.PETITION, "环境污染"),
    ("与邻居宅基地界址争议", Case.Type.DISPUTE, "权属纠纷"), ("工地拖欠农民工工资", Case.Type.PETITION, "劳资"),
    ("村务公开不及时，账目有疑问", Case.Type.PETITION, "村务财务"), ("山林承包合同纠纷", Case.Type.DISPUTE, "山林土地流转"),
    ("低保名额分配不公", Case.Type.PETITION, "低保分配"), ("村道塌方存在安全隐患", Case.Type.LIVELIHOOD, "安全事故"),
]
