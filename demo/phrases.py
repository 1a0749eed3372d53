"""What the demo's people write and ask, shared by the demo county and the scale city: cadres' diary
lines and good deeds, the demands residents raise on a visit, the matters brought to the petition office."""

from grievances.models import Case

DIARY_LINES = [
    "到户里拉家常，了解今年收成和家里的开支。", "帮老人打扫院子，听他讲村里的变化。", "和户主一起下地，了解种植技术上的难处。",
    "宣讲了新农合和养老保险政策，解答了报销流程的疑问。", "了解到孩子上学路远，记下了校车的诉求。", "与村干部一起走访，核对低保户家庭情况。",
    "户主反映灌溉渠堵塞，影响春耕。", "在户里吃了午饭，聊到外出务工的打算。",
]
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
