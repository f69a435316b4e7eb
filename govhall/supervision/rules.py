"""The supervision rules (DESIGN 3.9): each a code, a severity, the law or
policy it enforces and a plain Chinese title. Event rules run inside the
transition that triggers them (``govhall.supervision.engine``); time rules
run from the scheduled scan (``govhall supervise``, and the task worker)."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from govhall.supervision.models import Severity

EVENT, TIME = "event", "time"


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str  # the first severity; deadline rules escalate yellow → red
    kind: str  # EVENT or TIME
    basis: str
    title: str


RULES: dict[str, Rule] = {rule.code: rule for rule in (
    Rule("case.deadline", Severity.YELLOW, TIME, "《行政许可法》第四十二条；承诺时限", _("办件临近或超过承诺时限")),
    Rule("case.step_deadline", Severity.YELLOW, TIME, "事项办理流程的环节时限", _("审查环节临近或超过环节时限")),
    Rule("case.acceptance_late", Severity.RED, TIME, "《行政许可法》第三十二条第一款第（四）项",
         _("收件后五个工作日内未作出受理、不予受理或一次性告知")),
    Rule("case.delivery_late", Severity.RED, TIME, "《行政许可法》第四十四条", _("作出决定后十个工作日内未送达")),
    Rule("case.correction_late", Severity.RED, EVENT, "《行政许可法》第三十二条第一款第（四）项",
         _("补正告知超过收件后五个工作日")),
    Rule("case.correction_repeated", Severity.YELLOW, EVENT, "《行政许可法》第三十二条（一次性告知）",
         _("同一办件多次要求补正")),
    Rule("case.no_reason", Severity.RED, EVENT, "《行政许可法》第三十二条、第三十八条、第四十五条",
         _("不予受理、不予许可或特别程序未说明理由或未出具文书")),
    Rule("case.fee_mismatch", Severity.RED, EVENT, "收费项目的法定标准", _("收费金额与标准不符或对不收费事项收费")),
    Rule("case.unauthorized", Severity.RED, EVENT, "窗口授权（受理、审批）", _("办理人未获该事项该环节授权")),
    Rule("case.no_acceptance", Severity.RED, EVENT, "《行政许可法》第三十二条（体外循环）", _("没有受理记录即作出决定")),
    Rule("case.out_of_order", Severity.RED, EVENT, "办件事件链（DESIGN 3.6）", _("办件事件时间或顺序异常")),
    Rule("case.pause_hides_late", Severity.RED, EVENT, "《行政许可法》第四十五条",
         _("临近或超过期限时启动特别程序（疑似以暂停掩盖超期）")),
    Rule("case.pause_too_long", Severity.YELLOW, EVENT, "《行政许可法》第四十五条",
         _("特别程序累计时间超过承诺时限")),
    Rule("review.followup_late", Severity.RED, TIME, "好差评差评整改时限", _("差评未在规定时限内整改回访")),
    # Joint approval (docs/joint.md, "Supervision"): checked by the joint app's
    # receiver of ``signals.time_scan`` and by its services at each change.
    Rule("joint.deadline", Severity.YELLOW, TIME, "《行政许可法》第四十二条（统一办理、联合办理、集中办理的整体时限）",
         _("联办件临近或超过整体办理期限")),
    Rule("joint.stage_deadline", Severity.YELLOW, TIME,
         "《国务院办公厅关于全面开展工程建设项目审批制度改革的实施意见》（国办发〔2019〕11号）分阶段审批时限",
         _("联办阶段临近或超过阶段办理时限")),
    Rule("joint.prereview_late", Severity.YELLOW, TIME, "绿色通道联合预审制度（一个工作日内反馈预审意见）",
         _("联合预审意见未在一个工作日内提出")),
    # The 12345 hotline (docs/hotline.md, "Supervision"): checked by the hotline
    # app's receiver of ``signals.time_scan`` and by its services at each act.
    Rule("hotline.sign_late", Severity.YELLOW, TIME,
         "《国务院办公厅关于进一步优化地方政务服务便民热线的指导意见》（国办发〔2020〕53号）工单签收时限",
         _("12345工单未在签收时限内签收")),
    Rule("hotline.reply_late", Severity.YELLOW, TIME,
         "《国务院办公厅关于进一步优化地方政务服务便民热线的指导意见》（国办发〔2020〕53号）工单办理时限",
         _("12345工单临近或超过答复时限")),
    Rule("hotline.reopened", Severity.YELLOW, EVENT,
         "《国务院办公厅关于进一步优化地方政务服务便民热线的指导意见》（国办发〔2020〕53号）回访不满意重办",
         _("12345工单因来电人不满意重办")),
    Rule("hotline.repeated_complaints", Severity.YELLOW, EVENT,
         "《国务院办公厅关于进一步优化地方政务服务便民热线的指导意见》（国办发〔2020〕53号）热线数据分析与问题预警",
         _("同一成员单位一个月内被多次投诉")),
    Rule("hotline.admin_complaint", Severity.YELLOW, EVENT,
         "国办发〔2020〕53号；《国务院办公厅关于建立政务服务“好差评”制度提高政务服务水平的意见》（国办发〔2019〕51号）",
         _("12345热线收到对行政审批服务的投诉")),
    # The daily verification of the audit chains (supervision/chains.py).
    Rule("case.chain_broken", Severity.RED, TIME, "GB/T 22239-2019 8.1.4.3 c)（审计记录的保护）；办件事件链（DESIGN 3.6）",
         _("办件事件链校验未通过（事件被修改、删除或插入）")),
    Rule("audit.checkpoint", Severity.RED, TIME, "GB/T 22239-2019 8.1.4.3 c)（审计记录的保护）",
         _("审计检查点校验未通过（被篡改、删除或以其他密钥签署）")),
)}
