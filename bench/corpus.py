"""Words for the benchmark desk: reporters, titles, descriptions, notes and alerts, in
Chinese and English. Pure data and a seeded `random.Random`; nothing of itsmctl here."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Optional

SURNAMES = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
            ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("周", "zhou"), ("吴", "wu"),
            ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"),
            ("郭", "guo"), ("何", "he"), ("林", "lin"), ("罗", "luo"), ("高", "gao"),
            ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"),
            ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"),
            ("彭", "peng"), ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"),
            ("袁", "yuan"), ("潘", "pan"), ("蒋", "jiang"), ("蔡", "cai"), ("欧阳", "ouyang")]
GIVEN = [("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"),
         ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"),
         ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"),
         ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"), ("霞", "xia"), ("平", "ping"),
         ("刚", "gang"), ("桂英", "guiying"), ("建华", "jianhua"), ("志强", "zhiqiang"),
         ("晓东", "xiaodong"), ("海燕", "haiyan"), ("文博", "wenbo"), ("子涵", "zihan"),
         ("雨婷", "yuting"), ("浩然", "haoran"), ("思远", "siyuan"), ("佳怡", "jiayi"),
         ("俊杰", "junjie"), ("梓萱", "zixuan"), ("国庆", "guoqing"), ("红梅", "hongmei")]
EN_FIRST = ["James", "Mary", "Robert", "Linda", "Michael", "Susan", "David", "Karen",
            "Daniel", "Emily", "Thomas", "Laura", "Kevin", "Anna", "Brian", "Grace",
            "Peter", "Olivia", "Mark", "Sophie", "Steven", "Chloe", "Andrew", "Hannah",
            "Paul", "Megan", "Jason", "Rachel", "Ryan", "Nina"]
EN_LAST = ["Smith", "Johnson", "Brown", "Taylor", "Miller", "Wilson", "Moore", "Clark",
           "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green", "Baker",
           "Adams", "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips"]
DEPARTMENTS = ["财务部", "市场部", "客服中心", "人力资源部", "计费中心", "营业一部", "营业二部",
               "政企客户部", "法务部", "采购部", "Finance", "Marketing", "Customer Care",
               "Enterprise Sales", "Network Operations", "总经理办公室", "审计部", "IT 运维部"]
LOCATIONS = ["长沙总部 A座", "长沙总部 B座", "株洲分公司", "湘潭营业厅", "衡阳分公司",
             "岳阳营业厅", "常德分公司", "Changsha HQ", "Beijing office", "Shanghai DC",
             "Guangzhou branch", "郴州营业厅"]
KINDS = [("staff", 80), ("manager", 12), ("vip", 8)]
MAIL_DOMAINS = ["corp.example.com", "example.cn", "branch.example.com"]

SYSTEMS = {"billing": ["计费系统", "账务系统", "BOSS", "billing portal", "rating engine"],
           "crm": ["CRM", "客户管理系统", "营业前台", "customer portal", "工单系统"],
           "office": ["OA", "邮箱", "Outlook", "VPN", "打印机", "Wi-Fi", "办公电脑"]}
MODULES = ["月结", "出账", "充值", "套餐变更", "发票", "批价", "积分", "客户资料", "订单受理",
           "invoice export", "top-up", "monthly run", "plan change", "order entry"]
HOSTS = ["bill-app-01", "bill-app-02", "bill-db-01", "bill-db-02", "crm-web-03",
         "crm-db-01", "oa-srv-01", "mail-gw-02", "core-sw-07", "vpn-gw-01", "batch-01",
         "rating-04", "etl-02", "k8s-node-11", "k8s-node-12", "redis-03"]
CLUSTERS = ["cs-prod-1", "cs-prod-2", "bj-dr", "sh-prod-1"]

TITLES = {
    "billing-error": [("{sys}{mod}金额错误", "{sys} {mod}: wrong amount"),
                      ("用户投诉本月账单多扣费 {n} 元", "customer charged {n} yuan twice"),
                      ("{mod}批价结果不正确", "{mod} rating result incorrect"),
                      ("{sys}出账数据与话单不一致", "{sys} bill does not match CDRs")],
    "slow": [("{sys}{mod}页面响应很慢", "{sys} {mod} page very slow"),
             ("{sys}查询超时", "{sys} queries time out"),
             ("{place}{sys}卡顿", "{sys} sluggish at {place}"),
             ("{mod}处理耗时超过 {n} 秒", "{mod} takes over {n}s")],
    "unavailable": [("{sys}无法访问", "{sys} unavailable"),
                    ("{place}无法打开{sys}", "cannot open {sys} at {place}"),
                    ("{sys}报 HTTP 502", "{sys} returns HTTP 502"),
                    ("{sys}{mod}功能打不开", "{sys} {mod} does not load")],
    "login-failed": [("{sys}无法登录", "cannot log in to {sys}"),
                     ("{sys}登录提示密码错误", "{sys} login rejects password"),
                     ("{sys}账号被锁定", "{sys} account locked"),
                     ("新员工{sys}账号无法登录", "new starter cannot log in to {sys}")],
    "printer": [("{place}打印机无法打印", "printer at {place} not printing"),
                ("打印机卡纸报错 {code}", "printer jam, error {code}"),
                ("发票打印机无响应", "invoice printer not responding")],
}
REQUESTS = [("申请开通{sys}账号", "request a {sys} account"),
            ("申请安装{sys}客户端", "please install the {sys} client"),
            ("申请{sys}权限变更", "change my {sys} permissions"),
            ("新员工入职电脑配置", "laptop set-up for a new starter"),
            ("申请重置{sys}密码", "reset my {sys} password")]
CONSULTATIONS = [("咨询{sys}{mod}怎么操作", "how do I use {mod} in {sys}?"),
                 ("咨询发票开具流程", "question about the invoice process"),
                 ("询问系统维护时间", "when is the maintenance window?"),
                 ("{sys}报表在哪里导出", "where do I export the {sys} report?")]
COMPLAINTS = [("客户投诉{sys}故障处理太慢", "customer complains the {sys} fault took too long"),
              ("VIP 客户投诉重复扣费", "VIP customer complains about double charging"),
              ("投诉营业厅系统频繁宕机", "complaint: branch system keeps going down")]
OUT_OF_SCOPE = [("个人手机无法连接家里 Wi-Fi", "personal phone cannot join home Wi-Fi"),
                ("咨询私人电脑维修", "private laptop repair"),
                ("询问食堂菜单", "asks about the canteen menu")]

DESCRIPTIONS = [
    ("{who}来电反映：{title}。", "{who} called: {title}."),
    ("{who}反映从今天{hour}点左右开始出现问题，影响{dept}日常工作，请尽快处理。",
     "{who} reports the problem started around {hour}:00 today and blocks {dept}; "
     "please look at it soon."),
    ("现象：{title}\n影响范围：{dept}约 {n} 人\n已尝试：重启浏览器、清除缓存，无效。",
     "Symptom: {title}\nAffected: about {n} people in {dept}\nTried: browser restart, "
     "cache cleared; no change."),
    ("{who}邮件反馈：{title}。附错误信息：\n  ERROR {code} at {host}\n  请求编号 {req}",
     "{who} wrote: {title}. Error shown:\n  ERROR {code} at {host}\n  request id {req}"),
    ("", ""),
    ("{title}", "{title}"),
    ("用户在{place}办理业务时发现：{title}。客户正在柜台等待，请优先处理。营业员已记录客户"
     "信息，客户要求今天内给出答复。此前{n}天内同类问题出现过两次。",
     "At {place} the clerk found: {title}. The customer is waiting at the counter and "
     "wants an answer today. The same thing happened twice in the last {n} days."),
]
SOLUTIONS = {
    "data-error": [("修正了错误的资费数据并重新出账", "corrected the tariff data and re-ran "
                    "the bill"), ("回退错误批价记录 {n} 条，已退费", "rolled back {n} wrongly "
                                 "rated records; refund issued")],
    "code-defect": [("升级补丁 {ver} 修复程序缺陷", "applied patch {ver} fixing the defect"),
                    ("临时关闭问题功能开关，等待版本修复", "disabled the feature flag until "
                     "the fixed release")],
    "config-error": [("修正了{host}上的配置参数并重启服务", "fixed the configuration on "
                      "{host} and restarted the service"),
                     ("恢复了被误改的路由配置", "restored the routing config changed by "
                      "mistake")],
    "capacity": [("扩容{host}磁盘并清理历史日志", "extended the disk of {host} and "
                  "purged old logs"), ("增加连接池上限并扩容两个节点", "raised the pool "
                                       "limit and added two nodes")],
    "hardware": [("更换{host}故障硬盘", "replaced the failed disk in {host}"),
                 ("更换故障电源模块", "replaced the faulty power supply")],
    "user-error": [("指导用户正确操作，问题解决", "walked the user through the correct "
                    "steps"), ("用户输入有误，已协助更正", "the user had mistyped; "
                                                   "corrected together")],
    None: [("远程协助重启客户端后恢复", "restarted the client remotely; works again"),
           ("已解答用户疑问", "answered the user's question"),
           ("重置密码后用户已可登录", "password reset; the user can log in")],
}
NOTES = [("已联系用户确认现象", "called the user to confirm"),
         ("正在分析日志", "looking through the logs"),
         ("已联系厂商，等待补丁", "vendor contacted, waiting for a patch"),
         ("复现成功，定位到{host}", "reproduced; narrowed down to {host}"),
         ("影响范围扩大到{place}", "now also seen at {place}"),
         ("用户不在工位，稍后回电", "user away from desk, will call back"),
         ("已在测试环境验证修复方案", "fix verified on the test system"),
         ("检查结果：\n- 应用日志无报错\n- 数据库连接数正常\n- 网络延迟 {n}ms",
          "checked:\n- no errors in the app log\n- DB connections normal\n- "
          "network latency {n}ms")]
REJECT = [("不属于本组处理范围", "not ours"), ("经排查是数据库问题", "this is the database, "
          "not the application"), ("信息不全，请补充截图", "incomplete, please attach a "
                                   "screenshot")]
REOPEN = [("用户反馈问题仍存在", "user says it still happens"),
          ("账单仍然不正确", "the invoice is still wrong"),
          ("第二天再次出现", "came back the next day")]
ESCALATE = [("VIP 客户两次来电催办", "VIP called twice"), ("影响扩大到多个营业厅",
            "now affects several branches"), ("领导关注，请加快处理", "management asking, "
                                            "please speed up")]
CLASSIFY = [("用户补充信息后重新评估影响", "impact reassessed after the user's details"),
            ("影响人数增加", "more users affected"), ("确认为单用户问题", "confirmed to be "
                                                       "one user only")]
VISITS = [("用户确认已恢复，表示满意", "user confirms it works, satisfied"),
          ("用户未接电话，短信回访", "no answer; follow-up by SMS"),
          ("用户反映处理及时", "user says it was handled quickly"),
          ("用户表示偶尔还会变慢", "user says it is still slow sometimes")]
TASKS = [("检查{host}存储容量", "check storage on {host}"), ("协调网络组排查专线",
         "ask network to check the leased line"), ("导出问题期间话单", "export the CDRs of "
                                                   "the period")]
TASK_RESULTS = [("已完成", "done"), ("容量正常", "capacity fine"), ("已导出并共享", "exported "
                "and shared")]
ANNOUNCE = [("{sys}服务中断", "{sys} outage",
             "因{host}故障，{sys}暂时无法使用，预计两小时内恢复。",
             "{sys} is down because of {host}; expected back within two hours.")]

ALERTS = [  # alertname, category, subtype, symptom, message (zh, en), severities
    ("HostDown", "billing", "host", "unavailable", ("主机 {host} 无响应", "host {host} down"),
     ["critical", "page", "down"]),
    ("HighCPU", "billing", "host", "slow", ("{host} CPU 使用率 {n}%", "{host} CPU at {n}%"),
     ["warning", "major", "average"]),
    ("DiskFull", "billing", "host", "slow", ("{host} 磁盘使用率 {n}%",
                                            "{host} disk {n}% full"), ["warning", "high"]),
    ("MySQLReplicationLag", "billing", "database", "slow",
     ("{host} 主从延迟 {n} 秒", "replication lag {n}s on {host}"), ["warning", "error"]),
    ("DBConnectionsExhausted", "crm", "database", "unavailable",
     ("{host} 连接数耗尽", "{host} out of connections"), ["critical", "error"]),
    ("HTTP5xxRate", "crm", "application", "unavailable",
     ("CRM 5xx 比例 {n}%", "CRM 5xx rate {n}%"), ["critical", "major", "warning"]),
    ("BillingJobFailed", "billing", "application", "billing-error",
     ("出账任务失败 job={n}", "billing job {n} failed"), ["error", "high"]),
    ("LinkDown", "office", "network", "unavailable", ("{host} 端口 down",
                                                      "{host} uplink down"),
     ["disaster", "critical", "unreachable"]),
    ("SlowResponse", "billing", "application", "slow",
     ("接口平均响应 {n}ms", "API latency {n}ms"), ["warning", "minor", "info"]),
]


@dataclass(frozen=True)
class Person:
    """A reporter (customer), as `open --reporter-…` takes them."""

    id: Optional[str]
    name: str
    phone: Optional[str]
    email: Optional[str]
    kind: str
    department: str
    location: str
    english: bool


def people(rng: random.Random, count: int) -> list[Person]:
    """`count` distinct reporters, about a third with English names."""
    out: list[Person] = []
    seen: set[str] = set()
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    while len(out) < count:
        english = rng.random() < 0.3
        if english:
            first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
            name, mail = f"{first} {last}", f"{first}.{last}".lower()
        else:
            (s, sp), (g, gp) = rng.choice(SURNAMES), rng.choice(GIVEN)
            name, mail = s + g, f"{gp}.{sp}"
        if name in seen:
            if len(seen) > count * 3:
                name = f"{name}{len(out)}"
            else:
                continue
        seen.add(name)
        phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        email = f"{mail}{rng.randrange(100) if rng.random() < 0.3 else ''}@" \
                f"{rng.choice(MAIL_DOMAINS)}"
        has = rng.random()
        out.append(Person(
            id=f"C{100000 + len(out)}" if rng.random() < 0.4 else None, name=name,
            phone=phone if has < 0.85 else None, email=email if has > 0.3 else None,
            kind=rng.choices(kinds, weights)[0], department=rng.choice(DEPARTMENTS),
            location=rng.choice(LOCATIONS), english=english))
    return out


class Words:
    """Text for one ticket, in its language (Chinese, English or a mix)."""

    def __init__(self, rng: random.Random, category: str, english: bool) -> None:
        self.rng = rng
        self.lang = 1 if english else (0 if rng.random() < 0.85 else 1)
        self.values = {
            "sys": rng.choice(SYSTEMS.get(category, SYSTEMS["billing"])),
            "mod": rng.choice(MODULES), "n": str(rng.choice([3, 5, 12, 30, 86, 120, 450])),
            "code": f"E{rng.randrange(1000, 9999)}", "host": rng.choice(HOSTS),
            "place": rng.choice(LOCATIONS), "dept": rng.choice(DEPARTMENTS),
            "hour": str(rng.randrange(8, 18)), "req": f"{rng.getrandbits(48):012x}",
            "ver": f"v{rng.randrange(2, 6)}.{rng.randrange(10)}.{rng.randrange(20)}"}

    def pick(self, pairs: list[tuple[str, str]], **extra: str) -> str:
        """One of the (zh, en) pairs, filled in; sometimes the other language."""
        pair = self.rng.choice(pairs)
        lang = self.lang if self.rng.random() < 0.9 else 1 - self.lang
        return pair[lang].format(**self.values, **extra)

    def title_and_description(self, pairs: list[tuple[str, str]], who: str) -> tuple[str, str]:
        title = self.pick(pairs)
        desc = self.pick(DESCRIPTIONS, title=title, who=who)
        if self.rng.random() < 0.08:                      # a long one: a pasted log
            lines = [f"2026-01-0{i % 9 + 1} 10:{i:02d}:13 WARN {self.values['host']} "
                     f"pool={i * 7 % 50} wait={i * 37 % 900}ms" for i in range(12)]
            desc = (desc + "\n\n" if desc else "") + "\n".join(lines)
        return title, desc


def alert_labels(rng: random.Random, alert: tuple, cluster: Optional[str] = None,
                 host: Optional[str] = None) -> tuple[dict[str, str], dict[str, str]]:
    """Alertmanager labels and annotations for one alert of ALERTS."""
    name, _, _, _, message, severities = alert
    host = host or rng.choice(HOSTS)
    n = str(rng.choice([85, 90, 95, 97, 99, 120, 300, 1500]))
    english = rng.random() < 0.5
    labels = {"alertname": name, "cluster": cluster or rng.choice(CLUSTERS),
              "instance": f"{host}:9100", "job": "node" if "Host" in name else "app",
              "severity": rng.choices(severities, [1, 2, 4][-len(severities):])[0]}
    notes = {"summary": message[1 if english else 0].format(host=host, n=n)}
    if rng.random() < 0.4:
        notes["runbook_url"] = f"https://wiki.example.com/runbooks/{name.lower()}"
    return labels, notes
