"""Chinese provinces and prefecture-level cities, for stripping places out of company names.

A company registers as 北京华信科技有限公司, signs as 华信科技(北京)有限公司 and is typed as
华信科技北京公司: the place is noise for the name but evidence for the match — 北京华信 and
上海华信 are different companies. Each city maps to its province, so 广东华信 and 深圳华信
do not contradict each other while 广州华信 and 深圳华信 do.
"""

from __future__ import annotations

# province (short form) -> its prefecture-level cities (short forms, without 市/地区/州 suffixes)
_PROVINCE_CITIES = {
    "北京": "", "天津": "", "上海": "", "重庆": "",
    "河北": "石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水",
    "山西": "太原 大同 阳泉 长治 晋城 朔州 晋中 运城 忻州 临汾 吕梁",
    "内蒙古": "呼和浩特 包头 乌海 赤峰 通辽 鄂尔多斯 呼伦贝尔 巴彦淖尔 乌兰察布",
    "辽宁": "沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 盘锦 铁岭 朝阳 葫芦岛",
    "吉林": "长春 吉林 四平 辽源 通化 白山 松原 白城 延边",
    "黑龙江": "哈尔滨 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 伊春 佳木斯 七台河 牡丹江 黑河 绥化",
    "江苏": "南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁 昆山 江阴 张家港 常熟",
    "浙江": "杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水 义乌",
    "安徽": "合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 黄山 滁州 阜阳 宿州 六安 亳州 池州 宣城",
    "福建": "福州 厦门 莆田 三明 泉州 漳州 南平 龙岩 宁德",
    "江西": "南昌 景德镇 萍乡 九江 新余 鹰潭 赣州 吉安 宜春 抚州 上饶",
    "山东": "济南 青岛 淄博 枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽",
    "河南": "郑州 开封 洛阳 平顶山 安阳 鹤壁 新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 信阳 周口 驻马店",
    "湖北": "武汉 黄石 十堰 宜昌 襄阳 鄂州 荆门 孝感 荆州 黄冈 咸宁 随州 恩施",
    "湖南": "长沙 株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州 怀化 娄底 湘西",
    "广东": "广州 韶关 深圳 珠海 汕头 佛山 江门 湛江 茂名 肇庆 惠州 梅州 汕尾 河源 阳江 清远 东莞 中山 潮州 揭阳 云浮",
    "广西": "南宁 柳州 桂林 梧州 北海 防城港 钦州 贵港 玉林 百色 贺州 河池 来宾 崇左",
    "海南": "海口 三亚 三沙 儋州",
    "四川": "成都 自贡 攀枝花 泸州 德阳 绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾 广安 达州 雅安 巴中 资阳",
    "贵州": "贵阳 六盘水 遵义 安顺 毕节 铜仁",
    "云南": "昆明 曲靖 玉溪 保山 昭通 丽江 普洱 临沧 大理 西双版纳",
    "西藏": "拉萨 日喀则 昌都 林芝 山南 那曲",
    "陕西": "西安 铜川 宝鸡 咸阳 渭南 延安 汉中 榆林 安康 商洛",
    "甘肃": "兰州 嘉峪关 金昌 白银 天水 武威 张掖 平凉 酒泉 庆阳 定西 陇南",
    "青海": "西宁 海东",
    "宁夏": "银川 石嘴山 吴忠 固原 中卫",
    "新疆": "乌鲁木齐 克拉玛依 吐鲁番 哈密 喀什 伊犁",
    "香港": "", "澳门": "", "台湾": "台北 高雄 台中 台南 新竹",
}

# Long official forms of provinces that are not simply short form + 省.
_PROVINCE_LONG = {
    "内蒙古": ("内蒙古自治区",), "广西": ("广西壮族自治区", "广西自治区"), "西藏": ("西藏自治区",),
    "宁夏": ("宁夏回族自治区",), "新疆": ("新疆维吾尔自治区",), "香港": ("香港特别行政区",),
    "澳门": ("澳门特别行政区",),
}
_MUNICIPALITIES = {"北京", "天津", "上海", "重庆"}

# place spelling -> (province, city or ""). City short forms win over the province
# of the same name (吉林 is both: treat 吉林 as the province, 吉林市 as the city).
PLACES: dict[str, tuple[str, str]] = {}
for _prov, _cities in _PROVINCE_CITIES.items():
    for _city in _cities.split():
        PLACES.setdefault(_city, (_prov, _city))
        PLACES[_city + "市"] = (_prov, _city)
        if _city in ("延边", "恩施", "湘西", "大理", "西双版纳", "伊犁"):
            PLACES[_city + "州"] = (_prov, _city)
        if _city in ("喀什", "伊犁"):
            PLACES[_city + "地区"] = (_prov, _city)
for _prov in _PROVINCE_CITIES:
    city = _prov if _prov in _MUNICIPALITIES else ""
    PLACES[_prov] = (_prov, city)
    PLACES[_prov + ("市" if _prov in _MUNICIPALITIES else "省")] = (_prov, city)
    for _long in _PROVINCE_LONG.get(_prov, ()):
        PLACES[_long] = (_prov, city)
for _en, _zh in {"beijing": "北京", "shanghai": "上海", "tianjin": "天津", "chongqing": "重庆", "shenzhen": "深圳",
                 "guangzhou": "广州", "hangzhou": "杭州", "nanjing": "南京", "suzhou": "苏州", "wuhan": "武汉",
                 "chengdu": "成都", "xian": "西安", "hongkong": "香港", "hong kong": "香港"}.items():
    PLACES[_en] = PLACES[_zh]


def compatible(a: frozenset[tuple[str, str]], b: frozenset[tuple[str, str]]) -> bool:
    """Can two sets of places describe the same company? Empty sets always can.

    Different provinces contradict; within one province, two different named
    cities contradict, while a bare province is compatible with any of its cities.
    """
    if not a or not b:
        return True
    provs_a = {p for p, _ in a}
    provs_b = {p for p, _ in b}
    if not provs_a & provs_b:
        return False
    cities_a = {c for _, c in a if c}
    cities_b = {c for _, c in b if c}
    return not (cities_a and cities_b and not cities_a & cities_b)

# Landline area codes of the larger cities: a record whose name gives no place still
# tells its city by its landline (0411-… is 大连), which keeps 春晖贸易 (0411) apart
# from 成都春晖贸易. Mobiles say nothing about a place.
_AREA_CODES = {
    "010": "北京", "021": "上海", "022": "天津", "023": "重庆", "020": "广州", "024": "沈阳", "025": "南京",
    "027": "武汉", "028": "成都", "029": "西安", "0755": "深圳", "0571": "杭州", "0512": "苏州", "0731": "长沙",
    "0371": "郑州", "0531": "济南", "0532": "青岛", "0551": "合肥", "0591": "福州", "0592": "厦门", "0411": "大连",
    "0451": "哈尔滨", "0431": "长春", "0871": "昆明", "0771": "南宁", "0574": "宁波", "0510": "无锡", "0757": "佛山",
    "0769": "东莞", "0311": "石家庄", "0351": "太原", "0471": "呼和浩特", "0791": "南昌", "0851": "贵阳",
    "0898": "海口", "0931": "兰州", "0951": "银川", "0971": "西宁", "0991": "乌鲁木齐", "0891": "拉萨",
    "0756": "珠海", "0754": "汕头", "0760": "中山", "0752": "惠州", "0577": "温州", "0579": "金华", "0573": "嘉兴",
    "0575": "绍兴", "0576": "台州", "0513": "南通", "0519": "常州", "0516": "徐州", "0514": "扬州", "0511": "镇江",
    "0535": "烟台", "0536": "潍坊", "0631": "威海", "0533": "淄博", "0539": "临沂", "0379": "洛阳", "0595": "泉州",
    "0596": "漳州", "0733": "株洲", "0717": "宜昌", "0710": "襄阳", "0816": "绵阳", "0412": "鞍山", "0315": "唐山",
    "0312": "保定", "0335": "秦皇岛", "0316": "廊坊", "0772": "柳州", "0773": "桂林", "0917": "宝鸡", "0870": "丽江",
}


def place_of_phone(key: str) -> tuple[str, str] | None:
    """(province, city) of a landline key such as 041157301769; None for mobiles and unknown codes."""
    if not key.startswith("0"):
        return None
    city = _AREA_CODES.get(key[:3]) or _AREA_CODES.get(key[:4])
    return PLACES[city] if city else None
