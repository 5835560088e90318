<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <source>, escalated</source>
        <translation>，已升级</translation>
    </message>
    <message>
        <source>{0} priority · {1}: {2} — {3} · {4}{5}</source>
        <translation>{0}优先级 · {1}：{2} — {3} · {4}{5}</translation>
    </message>
    <message>
        <source>waiting for acknowledgement again (last acknowledged by {0} at {1})</source>
        <translation>再次等待确认（上次由 {0} 于 {1} 确认）</translation>
    </message>
    <message>
        <source>acknowledged by {0} at {1}</source>
        <translation>已由 {0} 于 {1} 确认</translation>
    </message>
    <message>
        <source>Open patient</source>
        <translation>打开患者</translation>
    </message>
    <message>
        <source>Acknowledge (F8)</source>
        <translation>确认 (F8)</translation>
    </message>
    <message>
        <source>No open alerts on the ward.</source>
        <translation>病区无未处理警报。</translation>
    </message>
    <message>
        <source>{0} waiting</source>
        <translation>{0} 条待确认</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <source>Alert</source>
        <translation>警报</translation>
    </message>
    <message>
        <source>Detail</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>Raised</source>
        <translation>发出时间</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Escalation</source>
        <translation>升级</translation>
    </message>
    <message>
        <source>(downgrade: acknowledge)</source>
        <translation>（分级下降：请确认）</translation>
    </message>
    <message>
        <source>escalated: not acknowledged in time</source>
        <translation>已升级：未及时确认</translation>
    </message>
    <message>
        <source>condition present</source>
        <translation>情况仍存在</translation>
    </message>
    <message>
        <source>condition gone</source>
        <translation>情况已消失</translation>
    </message>
    <message>
        <source>Acknowledge selected alert</source>
        <translation>确认所选警报</translation>
    </message>
    <message>
        <source>That alert is already acknowledged.</source>
        <translation>该警报已确认。</translation>
    </message>
    <message>
        <source>No alert is waiting for acknowledgement.</source>
        <translation>没有待确认的警报。</translation>
    </message>
    <message>
        <source>Bed</source>
        <translation>床号</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>年龄</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>天数</translation>
    </message>
    <message>
        <source>CRS (max)</source>
        <translation>CRS（最高）</translation>
    </message>
    <message>
        <source>ICANS (max)</source>
        <translation>ICANS（最高）</translation>
    </message>
    <message>
        <source>NEWS2 / PEWS</source>
        <translation>NEWS2 / PEWS</translation>
    </message>
    <message>
        <source>Tool</source>
        <translation>评估工具</translation>
    </message>
    <message>
        <source>Next check</source>
        <translation>下次评估</translation>
    </message>
    <message>
        <source>Alerts</source>
        <translation>警报</translation>
    </message>
    <message>
        <source>graded at {0}</source>
        <translation>分级时间 {0}</translation>
    </message>
    <message>
        <source>no observations</source>
        <translation>无观察记录</translation>
    </message>
    <message>
        <source>nothing charted yet</source>
        <translation>尚无记录</translation>
    </message>
    <message>
        <source>{0} (max {1})</source>
        <translation>{0}（最高 {1}）</translation>
    </message>
    <message>
        <source>stale</source>
        <translation>已过时</translation>
    </message>
    <message>
        <source>stale (treated as missing): {0}</source>
        <translation>已过时（按缺失处理）：{0}</translation>
    </message>
    <message>
        <source>stay ended {0}</source>
        <translation>住院已结束 {0}</translation>
    </message>
    <message>
        <source>OVERDUE: {0}</source>
        <translation>已逾期：{0}</translation>
    </message>
    <message>
        <source>{0} at {1}</source>
        <translation>{0}，{1}</translation>
    </message>
    <message>
        <source>none scheduled</source>
        <translation>无计划</translation>
    </message>
    <message>
        <source>{0} unacknowledged ({1})</source>
        <translation>{0} 条未确认（{1}）</translation>
    </message>
    <message>
        <source>{0} acknowledged</source>
        <translation>{0} 条已确认</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>{0}, {1}</source>
        <translation>{0}，{1}</translation>
    </message>
    <message>
        <source>Day {0:+d}</source>
        <translation>第 {0:+d} 天</translation>
    </message>
    <message>
        <source>PEWS</source>
        <translation>PEWS</translation>
    </message>
    <message>
        <source>{0} months</source>
        <translation>{0} 个月</translation>
    </message>
    <message>
        <source>{0} y</source>
        <translation>{0} 岁</translation>
    </message>
    <message>
        <source>Show discharged and transferred patients</source>
        <translation>显示已出院和已转科的患者</translation>
    </message>
    <message>
        <source>Print handover of the ward…</source>
        <translation>打印病区交班单…</translation>
    </message>
    <message>
        <source>author: nobody is signed in (the screen may be locked)</source>
        <translation>记录人：无人登录（屏幕可能已锁定）</translation>
    </message>
    <message>
        <source>a signed-in user</source>
        <translation>已登录的用户</translation>
    </message>
    <message>
        <source>author: this unsaved draft is by {0}; only {0} can save it, not {1}</source>
        <translation>记录人：此未保存的草稿由 {0} 填写；只有 {0} 可以保存，{1} 不能保存</translation>
    </message>
    <message>
        <source>assessment_id: the grade shown is no longer the current one (the patient was graded again); look at the new grade and sign again</source>
        <translation>评估：所显示的分级已不是当前分级（患者已重新分级）；请查看新的分级后再次签署</translation>
    </message>
    <message>
        <source>the current assessment</source>
        <translation>当前评估</translation>
    </message>
    <message>
        <source>grade: the {0} grade is not determinable; there is no grade to sign</source>
        <translation>分级：{0} 分级无法确定；没有可签署的分级</translation>
    </message>
    <message>
        <source>a determined grade</source>
        <translation>已确定的分级</translation>
    </message>
    <message>
        <source>New vitals for the open patient</source>
        <translation>为当前患者录入生命体征</translation>
    </message>
    <message>
        <source>New neuro check (ICE or CAPD) for the open patient</source>
        <translation>为当前患者录入神经评估（ICE 或 CAPD）</translation>
    </message>
    <message>
        <source>Drug dose or infusion for the open patient</source>
        <translation>为当前患者录入给药或输注</translation>
    </message>
    <message>
        <source>Acknowledge the alert in the banner</source>
        <translation>确认横幅中的警报</translation>
    </message>
    <message>
        <source>Mute the alarm on this machine (it sounds again when the mute runs out)</source>
        <translation>在本机将警报静音（静音时间结束后会再次响起）</translation>
    </message>
    <message>
        <source>Next patient on the board</source>
        <translation>病区看板上的下一位患者</translation>
    </message>
    <message>
        <source>Back to the ward board</source>
        <translation>返回病区看板</translation>
    </message>
    <message>
        <source>Admit a patient</source>
        <translation>收治患者</translation>
    </message>
    <message>
        <source>Lock the screen (patient details hidden, alerts and alarm go on)</source>
        <translation>锁定屏幕（隐藏患者详情，警报及警报声照常运行）</translation>
    </message>
    <message>
        <source>Switch user: lock, for the next user to sign in</source>
        <translation>切换用户：锁定屏幕，供下一位用户登录</translation>
    </message>
    <message>
        <source>Night theme on or off</source>
        <translation>开关夜间主题</translation>
    </message>
    <message>
        <source>Print the handover of the open (or selected) patient as a PDF</source>
        <translation>将当前（或所选）患者的交班单打印为 PDF</translation>
    </message>
    <message>
        <source>Print the handover of the whole ward as a PDF</source>
        <translation>将全病区的交班单打印为 PDF</translation>
    </message>
    <message>
        <source>Sync with the hub now (when a hub is set)</source>
        <translation>立即与中心库同步（已设置中心库时）</translation>
    </message>
    <message>
        <source>Save the form (in a form)</source>
        <translation>保存表单（在表单中）</translation>
    </message>
    <message>
        <source>This help</source>
        <translation>本帮助</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Bedside&lt;/h3&gt;&lt;p&gt;Charting after CAR-T cell infusion: CRS and ICANS (ASTCT 2019), NEWS2 and Bedside PEWS.&lt;/p&gt;&lt;p&gt;&lt;b&gt;The clinical rules are not yet clinically validated.&lt;/b&gt; Every threshold needs sign-off by the trial&apos;s clinical governance before use on patients.&lt;/p&gt;&lt;p&gt;Rule version: {0}&lt;br&gt;Site policy in force: {1} (time zone {2})&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Bedside&lt;/h3&gt;&lt;p&gt;CAR-T 细胞输注后的床旁记录：细胞因子释放综合征（CRS）和免疫效应细胞相关神经毒性综合征（ICANS）分级（ASTCT 2019），NEWS2 和 Bedside PEWS。&lt;/p&gt;&lt;p&gt;&lt;b&gt;临床规则尚未经过临床验证。&lt;/b&gt;每个阈值在用于患者之前都需经试验的临床管理机构批准。&lt;/p&gt;&lt;p&gt;规则版本：{0}&lt;br&gt;当前站点策略：{1}（时区：{2}）&lt;/p&gt;</translation>
    </message>
    <message>
        <source>this machine&apos;s</source>
        <translation>本机</translation>
    </message>
    <message>
        <source>About Bedside</source>
        <translation>关于 Bedside</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Keyboard shortcuts&lt;/h3&gt;</source>
        <translation>&lt;h3&gt;键盘快捷键&lt;/h3&gt;</translation>
    </message>
    <message>
        <source>Bedside help</source>
        <translation>Bedside 帮助</translation>
    </message>
    <message>
        <source>{0}: “{1}” is not a number</source>
        <translation>{0}：“{1}”不是数字</translation>
    </message>
    <message>
        <source>a number</source>
        <translation>一个数字</translation>
    </message>
    <message>
        <source>{0}: {1} is not a whole number</source>
        <translation>{0}：{1} 不是整数</translation>
    </message>
    <message>
        <source>a whole number</source>
        <translation>一个整数</translation>
    </message>
    <message>
        <source>now</source>
        <translation>现在</translation>
    </message>
    <message>
        <source>set</source>
        <translation>设定</translation>
    </message>
    <message>
        <source>(now)</source>
        <translation>（当前）</translation>
    </message>
    <message>
        <source>(late entry)</source>
        <translation>（补录）</translation>
    </message>
    <message>
        <source>why the earlier record is corrected</source>
        <translation>更正先前记录的原因</translation>
    </message>
    <message>
        <source>Save (Enter)</source>
        <translation>保存 (Enter)</translation>
    </message>
    <message>
        <source>Cancel correction</source>
        <translation>取消更正</translation>
    </message>
    <message>
        <source>Observed at</source>
        <translation>观察时间</translation>
    </message>
    <message>
        <source>Reason for the correction</source>
        <translation>更正原因</translation>
    </message>
    <message>
        <source>{0}: required</source>
        <translation>{0}：必填</translation>
    </message>
    <message>
        <source>a value</source>
        <translation>一个值</translation>
    </message>
    <message>
        <source>correcting an earlier record</source>
        <translation>正在更正先前的记录</translation>
    </message>
    <message>
        <source>{0} (allowed: {1})</source>
        <translation>{0}（允许：{1}）</translation>
    </message>
    <message>
        <source>Not saved: correct the fields marked in red.</source>
        <translation>未保存：请更正红色标出的字段。</translation>
    </message>
    <message>
        <source>saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
    <message>
        <source>Not saved.</source>
        <translation>未保存。</translation>
    </message>
    <message>
        <source>Preview: waiting for valid values ({0})</source>
        <translation>预览：等待有效数值（{0}）</translation>
    </message>
    <message>
        <source>Preview if saved: </source>
        <translation>保存后的预览：</translation>
    </message>
    <message>
        <source>CRS {0} (max {1})</source>
        <translation>CRS {0}（最高 {1}）</translation>
    </message>
    <message>
        <source>ICANS {0} (max {1}) by {2}</source>
        <translation>ICANS {0}（最高 {1}），评估工具 {2}</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>体温</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>单位</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>途径</translation>
    </message>
    <message>
        <source>Heart rate /min</source>
        <translation>心率 次/分</translation>
    </message>
    <message>
        <source>Systolic BP mmHg</source>
        <translation>收缩压 mmHg</translation>
    </message>
    <message>
        <source>Diastolic BP mmHg</source>
        <translation>舒张压 mmHg</translation>
    </message>
    <message>
        <source>Resp. rate /min</source>
        <translation>呼吸频率 次/分</translation>
    </message>
    <message>
        <source>SpO₂ %</source>
        <translation>血氧饱和度 SpO₂ %</translation>
    </message>
    <message>
        <source>SpO₂ scale</source>
        <translation>SpO₂ 量表</translation>
    </message>
    <message>
        <source>scale 1</source>
        <translation>量表 1</translation>
    </message>
    <message>
        <source>scale 2 (prescribed)</source>
        <translation>量表 2（遵医嘱）</translation>
    </message>
    <message>
        <source>O₂ device</source>
        <translation>给氧装置</translation>
    </message>
    <message>
        <source>O₂ flow L/min</source>
        <translation>氧流量 L/min</translation>
    </message>
    <message>
        <source>FiO₂ (0.21–1.00)</source>
        <translation>吸入氧浓度 FiO₂（0.21–1.00）</translation>
    </message>
    <message>
        <source>O₂ indication</source>
        <translation>给氧指征</translation>
    </message>
    <message>
        <source>ACVPU</source>
        <translation>ACVPU</translation>
    </message>
    <message>
        <source>Cap. refill s (children)</source>
        <translation>毛细血管再充盈时间 秒（儿童）</translation>
    </message>
    <message>
        <source>Resp. effort (children)</source>
        <translation>呼吸做功（儿童）</translation>
    </message>
    <message>
        <source>&lt;b&gt;Vitals&lt;/b&gt; — leave a field empty if it was not measured</source>
        <translation>&lt;b&gt;生命体征&lt;/b&gt; — 未测量的项目请留空</translation>
    </message>
    <message>
        <source>A — alert</source>
        <translation>A — 清醒</translation>
    </message>
    <message>
        <source>C — new confusion</source>
        <translation>C — 新发意识混乱</translation>
    </message>
    <message>
        <source>V — voice</source>
        <translation>V — 对声音有反应</translation>
    </message>
    <message>
        <source>P — pain</source>
        <translation>P — 对疼痛有反应</translation>
    </message>
    <message>
        <source>U — unresponsive</source>
        <translation>U — 无反应</translation>
    </message>
    <message>
        <source>Eye contact</source>
        <translation>目光接触</translation>
    </message>
    <message>
        <source>Purposeful actions</source>
        <translation>有目的的动作</translation>
    </message>
    <message>
        <source>Aware of surroundings</source>
        <translation>对周围环境的觉察</translation>
    </message>
    <message>
        <source>Communicates needs</source>
        <translation>表达需求</translation>
    </message>
    <message>
        <source>Restless</source>
        <translation>躁动</translation>
    </message>
    <message>
        <source>Inconsolable</source>
        <translation>难以安抚</translation>
    </message>
    <message>
        <source>Underactive</source>
        <translation>活动减少</translation>
    </message>
    <message>
        <source>Slow to respond</source>
        <translation>反应迟缓</translation>
    </message>
    <message>
        <source>Orientation (year, month, city, hospital)</source>
        <translation>定向力（年、月、城市、医院）</translation>
    </message>
    <message>
        <source>Naming 3 objects</source>
        <translation>命名 3 个物体</translation>
    </message>
    <message>
        <source>Follows simple commands</source>
        <translation>执行简单指令</translation>
    </message>
    <message>
        <source>Writes a standard sentence</source>
        <translation>书写一个标准句子</translation>
    </message>
    <message>
        <source>Counts back from 100 by 10</source>
        <translation>从 100 开始每次减 10 倒数</translation>
    </message>
    <message>
        <source>ICE (points per item)</source>
        <translation>免疫效应细胞相关脑病评分 ICE（每项得分）</translation>
    </message>
    <message>
        <source>ICE not done, because</source>
        <translation>未做 ICE，原因</translation>
    </message>
    <message>
        <source>CAPD (points 0–{0} per item, as on the chart)</source>
        <translation>CAPD（康奈尔儿童谵妄评估）（每项 0–{0} 分，按记录单）</translation>
    </message>
    <message>
        <source>CAPD not done, because</source>
        <translation>未做 CAPD，原因</translation>
    </message>
    <message>
        <source>Consciousness, seizure, motor, raised ICP</source>
        <translation>意识、癫痫发作、运动、颅内压增高</translation>
    </message>
    <message>
        <source>Level of consciousness</source>
        <translation>意识水平</translation>
    </message>
    <message>
        <source>Depressed consciousness explained by sedation</source>
        <translation>意识抑制可由镇静解释</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>Seizure</source>
        <translation>癫痫发作</translation>
    </message>
    <message>
        <source>Seizure duration min</source>
        <translation>发作持续时间 分钟</translation>
    </message>
    <message>
        <source>Motor findings</source>
        <translation>运动功能表现</translation>
    </message>
    <message>
        <source>Raised ICP / oedema signs</source>
        <translation>颅内压增高 / 脑水肿体征</translation>
    </message>
    <message>
        <source>Intracranial haemorrhage</source>
        <translation>颅内出血</translation>
    </message>
    <message>
        <source>Imaging done</source>
        <translation>已做影像学检查</translation>
    </message>
    <message>
        <source>EEG done</source>
        <translation>已做脑电图</translation>
    </message>
    <message>
        <source>&lt;b&gt;Neuro check&lt;/b&gt; with {0} — score every item, or give the reason it was not done</source>
        <translation>&lt;b&gt;神经评估&lt;/b&gt;（{0}）— 每项都需评分，或注明未做的原因</translation>
    </message>
    <message>
        <source>Drug</source>
        <translation>药物</translation>
    </message>
    <message>
        <source>Dose</source>
        <translation>剂量</translation>
    </message>
    <message>
        <source>Indication</source>
        <translation>用药指征</translation>
    </message>
    <message>
        <source>Given / started at</source>
        <translation>给药 / 开始时间</translation>
    </message>
    <message>
        <source>&lt;b&gt;Drug dose or infusion start&lt;/b&gt;</source>
        <translation>&lt;b&gt;给药或开始输注&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Finding</source>
        <translation>表现</translation>
    </message>
    <message>
        <source>Other cause</source>
        <translation>其他原因</translation>
    </message>
    <message>
        <source>Until (optional)</source>
        <translation>截止时间（可选）</translation>
    </message>
    <message>
        <source>&lt;b&gt;Attribution&lt;/b&gt; — physicians only: the finding is not counted as CRS/ICANS</source>
        <translation>&lt;b&gt;归因&lt;/b&gt; — 仅限医师：该表现不计入 CRS/ICANS</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结局</translation>
    </message>
    <message>
        <source>Destination</source>
        <translation>去向</translation>
    </message>
    <message>
        <source>&lt;b&gt;End of stay&lt;/b&gt; — discharge or transfer; nothing more is charted after it</source>
        <translation>&lt;b&gt;结束住院&lt;/b&gt; — 出院或转科；之后不再记录</translation>
    </message>
    <message>
        <source>Patient id (MRN)</source>
        <translation>患者编号（病历号 MRN）</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Weight kg</source>
        <translation>体重 kg</translation>
    </message>
    <message>
        <source>Diagnosis</source>
        <translation>诊断</translation>
    </message>
    <message>
        <source>Developmental delay (CAPD at any age)</source>
        <translation>发育迟缓（任何年龄均用 CAPD）</translation>
    </message>
    <message>
        <source>CAR-T infusion at</source>
        <translation>CAR-T 输注时间</translation>
    </message>
    <message>
        <source>Product</source>
        <translation>产品</translation>
    </message>
    <message>
        <source>Dose cells/kg</source>
        <translation>剂量 细胞/kg</translation>
    </message>
    <message>
        <source>Baseline ICE 0–10</source>
        <translation>基线 ICE 0–10</translation>
    </message>
    <message>
        <source>Baseline CAPD 0–32</source>
        <translation>基线 CAPD 0–32</translation>
    </message>
    <message>
        <source>&lt;b&gt;Admit a patient&lt;/b&gt;</source>
        <translation>&lt;b&gt;收治患者&lt;/b&gt;</translation>
    </message>
    <message>
        <source>T {0} °{1}</source>
        <translation>体温 {0} °{1}</translation>
    </message>
    <message>
        <source>BP {0}</source>
        <translation>血压 {0}</translation>
    </message>
    <message>
        <source>ACVPU {0}</source>
        <translation>ACVPU {0}</translation>
    </message>
    <message>
        <source>{0} not assessable ({1})</source>
        <translation>{0} 无法评估（{1}）</translation>
    </message>
    <message>
        <source>incomplete</source>
        <translation>不完整</translation>
    </message>
    <message>
        <source>seizure: {0}</source>
        <translation>癫痫发作：{0}</translation>
    </message>
    <message>
        <source>stopped {0}</source>
        <translation>停止于 {0}</translation>
    </message>
    <message>
        <source>{0}: {1}</source>
        <translation>{0}：{1}</translation>
    </message>
    <message>
        <source>{0} episode closed: {1}</source>
        <translation>{0} 事件已结束：{1}</translation>
    </message>
    <message>
        <source>{0} grade {1} signed</source>
        <translation>{0} {1} 级已签署</translation>
    </message>
    <message>
        <source>{0}, born {1}, {2}</source>
        <translation>{0}，出生于 {1}，{2}</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>there is no patient {0!r} in this ward database (patients on the ward: {1}); give one of them with --patient, or leave --patient out for the whole ward</source>
        <translation>此病区数据库中没有患者 {0!r}（病区患者：{1}）；请用 --patient 指定其中一位，或省略 --patient 以打印全病区</translation>
    </message>
    <message>
        <source>No alerts in the last 24 h.</source>
        <translation>过去 24 小时内无警报。</translation>
    </message>
    <message>
        <source>ended {0}</source>
        <translation>结束于 {0}</translation>
    </message>
    <message>
        <source>never acknowledged</source>
        <translation>从未确认</translation>
    </message>
    <message>
        <source>{0} · {1}: {2} · raised {3} · {4}</source>
        <translation>{0} · {1}：{2} · 发出于 {3} · {4}</translation>
    </message>
    <message>
        <source>No drugs given or running in the last 24 h.</source>
        <translation>过去 24 小时内无给药，也无正在进行的输注。</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Given / started</source>
        <translation>给药 / 开始时间</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>停止时间</translation>
    </message>
    <message>
        <source>running</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>single dose</source>
        <translation>单次给药</translation>
    </message>
    <message>
        <source>HR</source>
        <translation>心率</translation>
    </message>
    <message>
        <source>SBP</source>
        <translation>收缩压</translation>
    </message>
    <message>
        <source>RR</source>
        <translation>呼吸频率</translation>
    </message>
    <message>
        <source>SpO₂</source>
        <translation>血氧饱和度 SpO₂</translation>
    </message>
    <message>
        <source>{0}: none in the last 24 h</source>
        <translation>{0}：过去 24 小时内无记录</translation>
    </message>
    <message>
        <source>{0} {1} {2}</source>
        <translation>{0} {1} {2}</translation>
    </message>
    <message>
        <source>stale (treated as missing)</source>
        <translation>已过时（按缺失处理）</translation>
    </message>
    <message>
        <source>Latest values: </source>
        <translation>最新数值：</translation>
    </message>
    <message>
        <source>Neuro checks: none in the last 24 h</source>
        <translation>神经评估：过去 24 小时内无记录</translation>
    </message>
    <message>
        <source>Neuro checks (newest last): </source>
        <translation>神经评估（最新的在最后）：</translation>
    </message>
    <message>
        <source>{0} earlier, then </source>
        <translation>此前另有 {0} 次，其后：</translation>
    </message>
    <message>
        <source>Latest vitals set: none charted</source>
        <translation>最新一组生命体征：尚无记录</translation>
    </message>
    <message>
        <source>Latest vitals set ({0}): {1}</source>
        <translation>最新一组生命体征（{0}）：{1}</translation>
    </message>
    <message>
        <source>Stay ended {0}: no checks fall due</source>
        <translation>住院已结束 {0}：无待做的评估</translation>
    </message>
    <message>
        <source>No checks scheduled.</source>
        <translation>无计划的评估。</translation>
    </message>
    <message>
        <source>{0}: no ward schedule now ({1})</source>
        <translation>{0}：当前无病区计划（{1}）</translation>
    </message>
    <message>
        <source>{0} check OVERDUE since {1} ({2})</source>
        <translation>{0}：自 {1} 起已逾期（{2}）</translation>
    </message>
    <message>
        <source>{0} check due {1} ({2})</source>
        <translation>{0}：应于 {1} 进行（{2}）</translation>
    </message>
    <message>
        <source>continuous monitoring</source>
        <translation>持续监测</translation>
    </message>
    <message>
        <source>waiting for: {0}</source>
        <translation>等待：{0}</translation>
    </message>
    <message>
        <source>Identify</source>
        <translation>身份识别</translation>
    </message>
    <message>
        <source>Situation: the current picture</source>
        <translation>现状：当前情况</translation>
    </message>
    <message>
        <source>Alerts: open, and acknowledged or ended in the last 24 h</source>
        <translation>警报：未处理的，以及过去 24 小时内已确认或已结束的</translation>
    </message>
    <message>
        <source>Background</source>
        <translation>背景</translation>
    </message>
    <message>
        <source>Drugs in the last 24 h (anti-cytokine, steroids, antipyretics, vasoactive)</source>
        <translation>过去 24 小时内的药物（抗细胞因子药物、糖皮质激素、退热药、血管活性药物）</translation>
    </message>
    <message>
        <source>Assessment: the last 24 h</source>
        <translation>评估：过去 24 小时</translation>
    </message>
    <message>
        <source>Recommendation: checks due or overdue</source>
        <translation>建议：待做或已逾期的评估</translation>
    </message>
    <message>
        <source>The strip, last 24 h: temperature with the fever line (≥ {0} °C, dashed); systolic BP with the hypotension threshold for age (dashed); SpO₂; CRS grade (red, solid) and ICANS grade (purple, dotted). Green: the early-warning score&apos;s 0-point range; grey: grade not determinable.</source>
        <translation>趋势条，过去 24 小时：体温及发热线（≥ {0} °C，虚线）；收缩压及该年龄的低血压阈值（虚线）；血氧饱和度 SpO₂；CRS 分级（红色实线）和 ICANS 分级（紫色点线）。绿色：早期预警评分的 0 分范围；灰色：分级无法确定。</translation>
    </message>
    <message>
        <source>Printed {0}</source>
        <translation>打印于 {0}</translation>
    </message>
    <message>
        <source>database {0}</source>
        <translation>数据库 {0}</translation>
    </message>
    <message>
        <source>rules {0}</source>
        <translation>规则版本 {0}</translation>
    </message>
    <message>
        <source>page {0} of {1}</source>
        <translation>第 {0} 页，共 {1} 页</translation>
    </message>
    <message>
        <source>This picture was graded under {0}</source>
        <translation>此情况按规则版本 {0} 分级</translation>
    </message>
    <message>
        <source>Qt could not start drawing the handover onto its output</source>
        <translation>Qt 无法开始将交班单绘制到输出上</translation>
    </message>
    <message>
        <source>No patients are admitted on this ward.</source>
        <translation>此病区没有在院患者。</translation>
    </message>
    <message>
        <source>{0} is a folder: give the PDF file to write, e.g. {1}</source>
        <translation>{0} 是一个文件夹：请给出要写入的 PDF 文件，例如 {1}</translation>
    </message>
    <message>
        <source>Bedside handover</source>
        <translation>Bedside 交班单</translation>
    </message>
    <message>
        <source>cannot write the handover to {0} ({1}): choose a folder that exists and that you may write to</source>
        <translation>无法将交班单写入 {0}（{1}）：请选择一个已存在且您有写入权限的文件夹</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source>Author</source>
        <translation>记录人</translation>
    </message>
    <message>
        <source>Entered at</source>
        <translation>录入时间</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>superseded: {0}</source>
        <translation>已被取代：{0}</translation>
    </message>
    <message>
        <source>correction: {0}</source>
        <translation>更正：{0}</translation>
    </message>
    <message>
        <source>{0} · {1} y · {2} kg · {3} · Day {4:+d} after infusion ({5})</source>
        <translation>{0} · {1} 岁 · {2} kg · {3} · 输注后第 {4:+d} 天（{5}）</translation>
    </message>
    <message>
        <source>Tool {0} · baseline {1}{2}</source>
        <translation>评估工具 {0} · 基线 {1}{2}</translation>
    </message>
    <message>
        <source>not recorded</source>
        <translation>未记录</translation>
    </message>
    <message>
        <source> · developmental delay</source>
        <translation> · 发育迟缓</translation>
    </message>
    <message>
        <source>Stay ended {0}</source>
        <translation>住院已结束 {0}</translation>
    </message>
    <message>
        <source>No observations charted yet: every grade is unknown.</source>
        <translation>尚未记录任何观察：所有分级均未知。</translation>
    </message>
    <message>
        <source>Graded at {0}</source>
        <translation>分级时间 {0}</translation>
    </message>
    <message>
        <source>no criterion met</source>
        <translation>未满足任何标准</translation>
    </message>
    <message>
        <source>(episode max {0})</source>
        <translation>（本次事件最高 {0}）</translation>
    </message>
    <message>
        <source>until {0}</source>
        <translation>至 {0}</translation>
    </message>
    <message>
        <source>covers what was charted up to {0}</source>
        <translation>涵盖截至 {0} 的记录</translation>
    </message>
    <message>
        <source>Attributions in force: </source>
        <translation>生效的归因：</translation>
    </message>
    <message>
        <source>Attributions in force: none</source>
        <translation>生效的归因：无</translation>
    </message>
    <message>
        <source>Only nurses and physicians admit and discharge patients; you are signed in as {0} ({1}).</source>
        <translation>只有护士和医生可以办理入院和出院；您当前以 {0}（{1}）身份登录。</translation>
    </message>
    <message>
        <source>← Ward board (Esc)</source>
        <translation>← 病区看板 (Esc)</translation>
    </message>
    <message>
        <source>Print handover…</source>
        <translation>打印交班单…</translation>
    </message>
    <message>
        <source>Sign grade…</source>
        <translation>签署分级…</translation>
    </message>
    <message>
        <source>Physicians only: sign the current CRS or ICANS grade</source>
        <translation>仅限医生：签署当前的 CRS 或 ICANS 分级</translation>
    </message>
    <message>
        <source>Close episode…</source>
        <translation>结束事件…</translation>
    </message>
    <message>
        <source>Stop the selected infusion now</source>
        <translation>立即停止所选输注</translation>
    </message>
    <message>
        <source>Correct the selected record in its form</source>
        <translation>在表单中更正所选记录</translation>
    </message>
    <message>
        <source>Vitals (F2)</source>
        <translation>生命体征 (F2)</translation>
    </message>
    <message>
        <source>Neuro check (F3)</source>
        <translation>神经评估 (F3)</translation>
    </message>
    <message>
        <source>Running infusions</source>
        <translation>正在进行的输注</translation>
    </message>
    <message>
        <source>Drugs (F4)</source>
        <translation>药物 (F4)</translation>
    </message>
    <message>
        <source>Attribution</source>
        <translation>归因</translation>
    </message>
    <message>
        <source>Records of this patient, newest first. A correction is a new record that supersedes the old one, with a reason; both stay in the history.</source>
        <translation>该患者的记录，最新的在前。更正是一条附带原因、取代旧记录的新记录；两者都保留在历史中。</translation>
    </message>
    <message>
        <source>Correction</source>
        <translation>更正</translation>
    </message>
    <message>
        <source>Discharge / transfer</source>
        <translation>出院 / 转科</translation>
    </message>
    <message>
        <source>Physicians only: close the patient&apos;s open CRS or ICANS episode</source>
        <translation>仅限医生：结束该患者未结束的 CRS 或 ICANS 事件</translation>
    </message>
    <message>
        <source>The stay has ended: no episode can be closed.</source>
        <translation>住院已结束：无法结束任何事件。</translation>
    </message>
    <message>
        <source>No CRS or ICANS episode is open for this patient: there is nothing to close.</source>
        <translation>该患者没有未结束的 CRS 或 ICANS 事件：无需结束。</translation>
    </message>
    <message>
        <source>Physicians: close an open episode ({0})</source>
        <translation>医生：结束未结束的事件（{0}）</translation>
    </message>
    <message>
        <source>{0} {1} {2} since {3}</source>
        <translation>{0} {1} {2}，自 {3} 起</translation>
    </message>
    <message>
        <source>Unsaved drafts kept for their authors, put back when they sign in (nobody else can see or save them): {0}</source>
        <translation>为填写人保留的未保存草稿，将在其登录时恢复（其他人无法查看或保存）：{0}</translation>
    </message>
    <message>
        <source>{0} by {1}</source>
        <translation>{0}（填写人 {1}）</translation>
    </message>
    <message>
        <source>No infusion is selected.</source>
        <translation>未选择输注。</translation>
    </message>
    <message>
        <source>Infusion stopped.</source>
        <translation>输注已停止。</translation>
    </message>
    <message>
        <source>partial set</source>
        <translation>部分数据</translation>
    </message>
    <message>
        <source>Nurse</source>
        <translation>护士</translation>
    </message>
    <message>
        <source>Physician</source>
        <translation>医师</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>Read only</source>
        <translation>只读</translation>
    </message>
    <message>
        <source>Who is charting?</source>
        <translation>谁在记录？</translation>
    </message>
    <message>
        <source>your user id, e.g. nurse.ada</source>
        <translation>您的用户名，例如 nurse.ada</translation>
    </message>
    <message>
        <source>Every record you chart carries your user id. This ward has no users yet, so no PIN is asked.</source>
        <translation>您录入的每条记录都带有您的用户名。本病区尚无用户，因此不要求输入 PIN。</translation>
    </message>
    <message>
        <source>PINs are not checked on this installation yet: anyone can unlock with any user id.</source>
        <translation>本系统目前尚不校验 PIN：任何人都可以用任意用户名解锁。</translation>
    </message>
    <message>
        <source>Not unlocked: a user id is {0}.</source>
        <translation>未解锁：用户名应为 {0}。</translation>
    </message>
    <message>
        <source>Not unlocked: who is charting was not confirmed.</source>
        <translation>未解锁：记录人未确认。</translation>
    </message>
    <message>
        <source>Not signed in: the PIN was not accepted.</source>
        <translation>未登录：PIN 未被接受。</translation>
    </message>
    <message>
        <source>Sign in to Bedside</source>
        <translation>登录 Bedside</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Every record you chart carries your user id.</source>
        <translation>您录入的每条记录都带有您的用户名。</translation>
    </message>
    <message>
        <source>Create the ward&apos;s first admin</source>
        <translation>创建本病区的第一位管理员</translation>
    </message>
    <message>
        <source>e.g. admin.ward</source>
        <translation>例如 admin.ward</translation>
    </message>
    <message>
        <source>Create and sign in</source>
        <translation>创建并登录</translation>
    </message>
    <message>
        <source>PIN (4–64 characters)</source>
        <translation>PIN（4–64 个字符）</translation>
    </message>
    <message>
        <source>PIN again</source>
        <translation>再次输入 PIN</translation>
    </message>
    <message>
        <source>This ward has no users yet. Create its admin: the admin creates the nurses&apos; and physicians&apos; user ids and PINs, and does not chart.</source>
        <translation>本病区尚无用户。请创建管理员：管理员为护士和医生创建用户名和 PIN，本人不录入临床记录。</translation>
    </message>
    <message>
        <source>The two PINs differ: type the PIN twice, the same.</source>
        <translation>两次输入的 PIN 不一致：请输入两次相同的 PIN。</translation>
    </message>
    <message>
        <source>Bedside is locked</source>
        <translation>Bedside 已锁定</translation>
    </message>
    <message>
        <source>your user id</source>
        <translation>您的用户名</translation>
    </message>
    <message>
        <source>your PIN</source>
        <translation>您的 PIN</translation>
    </message>
    <message>
        <source>Unlock (Enter)</source>
        <translation>解锁 (Enter)</translation>
    </message>
    <message>
        <source>Switch user</source>
        <translation>切换用户</translation>
    </message>
    <message>
        <source>User id</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>Locked at {0}. Patient details are hidden until someone signs in.</source>
        <translation>锁定于 {0}。在有人登录之前，患者详情保持隐藏。</translation>
    </message>
    <message>
        <source>No alerts are open.</source>
        <translation>无未处理警报。</translation>
    </message>
    <message>
        <source>1 open alert</source>
        <translation>1 条未处理警报</translation>
    </message>
    <message>
        <source>{0} open alerts</source>
        <translation>{0} 条未处理警报</translation>
    </message>
    <message>
        <source>{0} waiting for acknowledgement</source>
        <translation>{0} 条等待确认</translation>
    </message>
    <message>
        <source>{0} priority: {1}</source>
        <translation>{0}优先级：{1}</translation>
    </message>
    <message>
        <source>Unlock to see which patient.</source>
        <translation>解锁后可查看是哪位患者。</translation>
    </message>
    <message>
        <source>ALERT CHECK FAILED: unlock to see why.</source>
        <translation>警报检查失败：解锁后可查看原因。</translation>
    </message>
    <message>
        <source>TECHNICAL ALERT: this machine has not synced with the hub for too long: unlock to see why.</source>
        <translation>技术警报：本机与中心库未同步的时间过长：解锁后查看原因。</translation>
    </message>
    <message>
        <source>Type your user id, then your PIN.</source>
        <translation>请输入您的用户名，然后输入 PIN。</translation>
    </message>
    <message>
        <source>Not unlocked: the PIN was not accepted.</source>
        <translation>未解锁：PIN 未被接受。</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在核对…</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>not determinable</source>
        <translation>无法确定</translation>
    </message>
    <message>
        <source>≥ {0}</source>
        <translation>≥ {0}</translation>
    </message>
    <message>
        <source>incomplete (partial {0})</source>
        <translation>不完整（部分得分 {0}）</translation>
    </message>
    <message>
        <source>low</source>
        <translation>低</translation>
    </message>
    <message>
        <source>medium</source>
        <translation>中</translation>
    </message>
    <message>
        <source>HIGH</source>
        <translation>高</translation>
    </message>
    <message>
        <source>waiting for acknowledgement</source>
        <translation>等待确认</translation>
    </message>
    <message>
        <source>acknowledged</source>
        <translation>已确认</translation>
    </message>
    <message>
        <source>resolved</source>
        <translation>已解除</translation>
    </message>
    <message>
        <source>Bedside PEWS</source>
        <translation>Bedside PEWS（儿童早期预警评分）</translation>
    </message>
    <message>
        <source>hypoxia</source>
        <translation>低氧血症</translation>
    </message>
    <message>
        <source>vasopressor</source>
        <translation>升压药</translation>
    </message>
    <message>
        <source>intracranial haemorrhage</source>
        <translation>颅内出血</translation>
    </message>
    <message>
        <source>fever before infusion</source>
        <translation>输注前发热</translation>
    </message>
    <message>
        <source>organ dysfunction without fever</source>
        <translation>无发热的器官功能障碍</translation>
    </message>
    <message>
        <source>neuro check overdue</source>
        <translation>神经评估已逾期</translation>
    </message>
    <message>
        <source>vitals overdue</source>
        <translation>生命体征已逾期</translation>
    </message>
    <message>
        <source>CRS grade fell: acknowledge</source>
        <translation>CRS 分级下降：请确认</translation>
    </message>
    <message>
        <source>ICANS grade fell: acknowledge</source>
        <translation>ICANS 分级下降：请确认</translation>
    </message>
    <message>
        <source>incomplete data</source>
        <translation>数据不完整</translation>
    </message>
    <message>
        <source>fever waiver: review</source>
        <translation>发热豁免（fever waiver）：请复核</translation>
    </message>
    <message>
        <source>Bedside — {0}</source>
        <translation>Bedside — {0}</translation>
    </message>
    <message>
        <source>Mute alarm (Ctrl+M)</source>
        <translation>静音警报 (Ctrl+M)</translation>
    </message>
    <message>
        <source>Trends</source>
        <translation>趋势</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史</translation>
    </message>
    <message>
        <source>Lock (Ctrl+L)</source>
        <translation>锁定 (Ctrl+L)</translation>
    </message>
    <message>
        <source>&amp;Admit a patient…</source>
        <translation>收治患者(&amp;A)…</translation>
    </message>
    <message>
        <source>Switch &amp;user</source>
        <translation>切换用户(&amp;U)</translation>
    </message>
    <message>
        <source>U&amp;sers…</source>
        <translation>用户(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Lock the screen</source>
        <translation>锁定屏幕(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>New &amp;vitals</source>
        <translation>录入生命体征(&amp;V)</translation>
    </message>
    <message>
        <source>New &amp;neuro check</source>
        <translation>录入神经评估(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Drug or infusion</source>
        <translation>给药或输注(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Acknowledge banner alert</source>
        <translation>确认横幅警报(&amp;A)</translation>
    </message>
    <message>
        <source>Ne&amp;xt patient</source>
        <translation>下一位患者(&amp;X)</translation>
    </message>
    <message>
        <source>&amp;Ward board</source>
        <translation>病区看板(&amp;W)</translation>
    </message>
    <message>
        <source>&amp;Mute the alarm</source>
        <translation>警报静音(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Night theme</source>
        <translation>夜间主题(&amp;N)</translation>
    </message>
    <message>
        <source>Print &amp;handover of this patient…</source>
        <translation>打印本患者的交班单(&amp;H)…</translation>
    </message>
    <message>
        <source>Print handover of the whole &amp;ward…</source>
        <translation>打印全病区交班单(&amp;W)…</translation>
    </message>
    <message>
        <source>&amp;Sync now</source>
        <translation>立即同步(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;About Bedside</source>
        <translation>关于 Bedside(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Ward</source>
        <translation>病区(&amp;W)</translation>
    </message>
    <message>
        <source>&amp;Patient</source>
        <translation>患者(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Select a patient on the board first (or print the whole ward&apos;s handover).</source>
        <translation>请先在病区看板上选择一位患者（或打印全病区交班单）。</translation>
    </message>
    <message>
        <source>Handover not saved</source>
        <translation>交班单未保存</translation>
    </message>
    <message>
        <source>Handover saved: {0} page(s) in {1}</source>
        <translation>交班单已保存：共 {0} 页，位于 {1}</translation>
    </message>
    <message>
        <source>Save the handover as PDF</source>
        <translation>将交班单保存为 PDF</translation>
    </message>
    <message>
        <source>PDF (*.pdf)</source>
        <translation>PDF (*.pdf)</translation>
    </message>
    <message>
        <source>The language changes when Bedside is started again.</source>
        <translation>语言将在重新启动 Bedside 后更改。</translation>
    </message>
    <message>
        <source>Alert acknowledged.</source>
        <translation>警报已确认。</translation>
    </message>
    <message>
        <source>Not saved</source>
        <translation>未保存</translation>
    </message>
    <message>
        <source>Alerts checked at {0}</source>
        <translation>警报检查于 {0}</translation>
    </message>
    <message>
        <source>ALERT CHECK FAILED: {0}</source>
        <translation>警报检查失败：{0}</translation>
    </message>
    <message>
        <source>Nobody signed in</source>
        <translation>无人登录</translation>
    </message>
    <message>
        <source>Charting as {0} ({1})</source>
        <translation>记录人 {0}（{1}）</translation>
    </message>
    <message>
        <source>Bedside — locked</source>
        <translation>Bedside — 已锁定</translation>
    </message>
    <message>
        <source>female</source>
        <translation>女</translation>
    </message>
    <message>
        <source>male</source>
        <translation>男</translation>
    </message>
    <message>
        <source>other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>The sync did not run: Bedside met an unexpected error ({0}); it is tried again at the next interval: report it.</source>
        <translation>同步未运行：Bedside 遇到意外错误（{0}）；将在下一个间隔再次尝试：请报告此问题。</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>Sync: off (no hub set on this machine)</source>
        <translation>同步：关闭（本机未设置中心库）</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>last sync {0} · {1} waiting to push · conflicts: {2}</source>
        <translation>上次同步 {0} · {1} 条待推送 · 冲突：{2}</translation>
    </message>
    <message>
        <source>Sync: first attempt under way</source>
        <translation>同步：首次尝试进行中</translation>
    </message>
    <message>
        <source>Sync: not tried yet</source>
        <translation>同步：尚未尝试</translation>
    </message>
    <message>
        <source>Syncing with the hub… (the last attempt failed)</source>
        <translation>正在与中心库同步…（上次尝试失败）</translation>
    </message>
    <message>
        <source>Syncing with the hub…</source>
        <translation>正在与中心库同步…</translation>
    </message>
    <message>
        <source>Hub reachable</source>
        <translation>中心库可连接</translation>
    </message>
    <message>
        <source>Hub reachable, sync FAILED</source>
        <translation>中心库可连接，同步失败</translation>
    </message>
    <message>
        <source>Sync FAILED</source>
        <translation>同步失败</translation>
    </message>
    <message>
        <source>Hub NOT REACHABLE</source>
        <translation>中心库无法连接</translation>
    </message>
    <message>
        <source>{0} · {1}</source>
        <translation>{0} · {1}</translation>
    </message>
    <message>
        <source>Why: {0}</source>
        <translation>原因：{0}</translation>
    </message>
    <message>
        <source>no successful sync with the hub yet</source>
        <translation>尚未与中心库成功同步</translation>
    </message>
    <message>
        <source>no successful sync with the hub since {0}</source>
        <translation>自 {0} 以来未与中心库成功同步</translation>
    </message>
    <message>
        <source>TECHNICAL ALERT (since {0}): {1}. Records charted on other machines may be missing here, and this machine&apos;s from theirs: see the status bar for why, or use Ward › Sync now (F5).</source>
        <translation>技术警报（自 {0} 起）：{1}。其他机器记录的数据可能未出现在本机，本机的数据也可能未出现在其他机器：原因见状态栏，或使用 病区 › 立即同步 (F5)。</translation>
    </message>
    <message>
        <source>neuroblastoma</source>
        <translation>神经母细胞瘤</translation>
    </message>
    <message>
        <source>oral</source>
        <translation>口腔</translation>
    </message>
    <message>
        <source>axillary</source>
        <translation>腋下</translation>
    </message>
    <message>
        <source>tympanic</source>
        <translation>鼓膜</translation>
    </message>
    <message>
        <source>rectal</source>
        <translation>直肠</translation>
    </message>
    <message>
        <source>temporal</source>
        <translation>颞动脉</translation>
    </message>
    <message>
        <source>core</source>
        <translation>核心体温</translation>
    </message>
    <message>
        <source>room air</source>
        <translation>室内空气</translation>
    </message>
    <message>
        <source>nasal cannula</source>
        <translation>鼻导管</translation>
    </message>
    <message>
        <source>blow by</source>
        <translation>吹氧（blow-by）</translation>
    </message>
    <message>
        <source>high flow nasal cannula</source>
        <translation>经鼻高流量</translation>
    </message>
    <message>
        <source>simple face mask</source>
        <translation>普通面罩</translation>
    </message>
    <message>
        <source>venturi mask</source>
        <translation>文丘里面罩</translation>
    </message>
    <message>
        <source>non rebreather</source>
        <translation>非重复呼吸面罩</translation>
    </message>
    <message>
        <source>cpap</source>
        <translation>CPAP</translation>
    </message>
    <message>
        <source>bipap</source>
        <translation>BiPAP</translation>
    </message>
    <message>
        <source>invasive ventilation</source>
        <translation>有创通气</translation>
    </message>
    <message>
        <source>crs hypoxia</source>
        <translation>CRS 低氧血症</translation>
    </message>
    <message>
        <source>other cause</source>
        <translation>其他原因</translation>
    </message>
    <message>
        <source>not required</source>
        <translation>不需要</translation>
    </message>
    <message>
        <source>normal</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>mild</source>
        <translation>轻度</translation>
    </message>
    <message>
        <source>moderate</source>
        <translation>中度</translation>
    </message>
    <message>
        <source>severe or apnoea</source>
        <translation>重度或呼吸暂停</translation>
    </message>
    <message>
        <source>unarousable</source>
        <translation>不可唤醒</translation>
    </message>
    <message>
        <source>intubated sedated</source>
        <translation>插管镇静</translation>
    </message>
    <message>
        <source>postictal not done</source>
        <translation>发作后状态，未做</translation>
    </message>
    <message>
        <source>not done</source>
        <translation>未做</translation>
    </message>
    <message>
        <source>sedated rass le minus4</source>
        <translation>镇静（RASS ≤ -4）</translation>
    </message>
    <message>
        <source>neuromuscular blockade</source>
        <translation>神经肌肉阻滞</translation>
    </message>
    <message>
        <source>awakens spontaneously</source>
        <translation>自主清醒</translation>
    </message>
    <message>
        <source>awakens to voice</source>
        <translation>声音可唤醒</translation>
    </message>
    <message>
        <source>awakens to tactile only</source>
        <translation>仅触觉刺激可唤醒</translation>
    </message>
    <message>
        <source>clinical resolved rapidly</source>
        <translation>临床发作，迅速缓解</translation>
    </message>
    <message>
        <source>nonconvulsive eeg resolved with intervention</source>
        <translation>脑电图非惊厥性发作，经干预缓解</translation>
    </message>
    <message>
        <source>prolonged gt 5min</source>
        <translation>持续超过 5 分钟</translation>
    </message>
    <message>
        <source>repetitive without return to baseline</source>
        <translation>反复发作，间期未恢复至基线</translation>
    </message>
    <message>
        <source>tremor or myoclonus</source>
        <translation>震颤或肌阵挛</translation>
    </message>
    <message>
        <source>deep focal weakness</source>
        <translation>深部局灶性运动无力</translation>
    </message>
    <message>
        <source>focal local on imaging</source>
        <translation>影像学局灶性水肿</translation>
    </message>
    <message>
        <source>diffuse on imaging</source>
        <translation>影像学弥漫性水肿</translation>
    </message>
    <message>
        <source>posturing</source>
        <translation>去大脑或去皮质姿势</translation>
    </message>
    <message>
        <source>cn6 palsy</source>
        <translation>第 VI 对脑神经麻痹</translation>
    </message>
    <message>
        <source>papilledema</source>
        <translation>视乳头水肿</translation>
    </message>
    <message>
        <source>cushing triad</source>
        <translation>库欣三联征</translation>
    </message>
    <message>
        <source>paracetamol</source>
        <translation>对乙酰氨基酚</translation>
    </message>
    <message>
        <source>ibuprofen</source>
        <translation>布洛芬</translation>
    </message>
    <message>
        <source>other nsaid</source>
        <translation>其他非甾体抗炎药</translation>
    </message>
    <message>
        <source>tocilizumab</source>
        <translation>托珠单抗</translation>
    </message>
    <message>
        <source>siltuximab</source>
        <translation>司妥昔单抗</translation>
    </message>
    <message>
        <source>anakinra</source>
        <translation>阿那白滞素</translation>
    </message>
    <message>
        <source>dexamethasone</source>
        <translation>地塞米松</translation>
    </message>
    <message>
        <source>methylprednisolone</source>
        <translation>甲泼尼龙</translation>
    </message>
    <message>
        <source>hydrocortisone</source>
        <translation>氢化可的松</translation>
    </message>
    <message>
        <source>norepinephrine</source>
        <translation>去甲肾上腺素</translation>
    </message>
    <message>
        <source>epinephrine</source>
        <translation>肾上腺素</translation>
    </message>
    <message>
        <source>phenylephrine</source>
        <translation>去氧肾上腺素</translation>
    </message>
    <message>
        <source>dopamine</source>
        <translation>多巴胺</translation>
    </message>
    <message>
        <source>angiotensin ii</source>
        <translation>血管紧张素 II</translation>
    </message>
    <message>
        <source>vasopressin</source>
        <translation>血管加压素</translation>
    </message>
    <message>
        <source>terlipressin</source>
        <translation>特利加压素</translation>
    </message>
    <message>
        <source>dobutamine</source>
        <translation>多巴酚丁胺</translation>
    </message>
    <message>
        <source>milrinone</source>
        <translation>米力农</translation>
    </message>
    <message>
        <source>scheduled premedication</source>
        <translation>计划预处理用药</translation>
    </message>
    <message>
        <source>prophylaxis</source>
        <translation>预防</translation>
    </message>
    <message>
        <source>treatment</source>
        <translation>治疗</translation>
    </message>
    <message>
        <source>analgesia</source>
        <translation>镇痛</translation>
    </message>
    <message>
        <source>fever</source>
        <translation>发热</translation>
    </message>
    <message>
        <source>hypotension</source>
        <translation>低血压</translation>
    </message>
    <message>
        <source>consciousness</source>
        <translation>意识</translation>
    </message>
    <message>
        <source>seizure</source>
        <translation>癫痫发作</translation>
    </message>
    <message>
        <source>discharged</source>
        <translation>已出院</translation>
    </message>
    <message>
        <source>transferred</source>
        <translation>已转科</translation>
    </message>
    <message>
        <source>vitals</source>
        <translation>生命体征</translation>
    </message>
    <message>
        <source>neuro</source>
        <translation>神经评估</translation>
    </message>
    <message>
        <source>raised</source>
        <translation>发出</translation>
    </message>
    <message>
        <source>escalated</source>
        <translation>已升级</translation>
    </message>
    <message>
        <source>level changed</source>
        <translation>级别变化</translation>
    </message>
    <message>
        <source>overtaken</source>
        <translation>已被取代</translation>
    </message>
    <message>
        <source>Admission</source>
        <translation>入院</translation>
    </message>
    <message>
        <source>Vitals</source>
        <translation>生命体征</translation>
    </message>
    <message>
        <source>Neuro check</source>
        <translation>神经评估</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Episode closed</source>
        <translation>事件已结束</translation>
    </message>
    <message>
        <source>Grade signed</source>
        <translation>分级已签署</translation>
    </message>
    <message>
        <source>Assessment</source>
        <translation>评估</translation>
    </message>
    <message>
        <source>Discharge</source>
        <translation>出院</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>The backup was not taken: Bedside met an unexpected error ({0}): report it.</source>
        <translation>未进行备份：Bedside 遇到意外错误（{0}）：请报告此问题。</translation>
    </message>
    <message>
        <source>Backup: none yet</source>
        <translation>备份：尚无</translation>
    </message>
    <message>
        <source>Last backup: {0}, verified when taken</source>
        <translation>上次备份：{0}，备份时已验证</translation>
    </message>
    <message>
        <source>none yet</source>
        <translation>尚无</translation>
    </message>
    <message>
        <source>Backup: running… (last verified: {0})</source>
        <translation>备份：正在进行…（上次已验证：{0}）</translation>
    </message>
    <message>
        <source>Last backup: {0}, verified</source>
        <translation>上次备份：{0}，已验证</translation>
    </message>
    <message>
        <source>BACKUP FAILED: {0}</source>
        <translation>备份失败：{0}</translation>
    </message>
    <message>
        <source>There is no verified backup of it in {0}: do not chart into it; tell the ward&apos;s IT support (the file is left as it is).</source>
        <translation>{0} 中没有该文件的已验证备份：请勿在该文件中继续记录；请通知病区的 IT 支持人员（文件保持原样）。</translation>
    </message>
    <message>
        <source>Every record of the damaged file is in this backup.</source>
        <translation>损坏文件中的每条记录都在此备份中。</translation>
    </message>
    <message>
        <source>{0} record(s) of the damaged file are not in this backup and cannot be recovered{1}.</source>
        <translation>损坏文件中有 {0} 条记录不在此备份中，无法恢复{1}。</translation>
    </message>
    <message>
        <source> (perhaps more: {0})</source>
        <translation>（可能更多：{0}）</translation>
    </message>
    <message>
        <source>The newest verified backup is {0} (taken {1:%Y-%m-%d %H:%M} UTC, {2} records). {3} Restoring it keeps the damaged file aside; from the command line: bedside restore --db {4} --from {0}</source>
        <translation>最新的已验证备份是 {0}（备份于 {1:%Y-%m-%d %H:%M} UTC，共 {2} 条记录）。{3}恢复此备份时，损坏的文件会另行保留；命令行：bedside restore --db {4} --from {0}</translation>
    </message>
    <message>
        <source>… and {0} more</source>
        <translation>… 另有 {0} 条</translation>
    </message>
    <message>
        <source> The damaged file is kept as {0}.</source>
        <translation>损坏的文件已保留为 {0}。</translation>
    </message>
    <message>
        <source>Restored {0} records from {1}; the newest was entered at {2}.{3}</source>
        <translation>已从 {1} 恢复 {0} 条记录；最新一条的录入时间为 {2}。{3}</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>Bedside — the ward database is damaged</source>
        <translation>Bedside — 病区数据库已损坏</translation>
    </message>
    <message>
        <source>&lt;b&gt;Bedside will not chart into this file.&lt;/b&gt; {0}</source>
        <translation>&lt;b&gt;Bedside 不会在此文件中记录。&lt;/b&gt;{0}</translation>
    </message>
    <message>
        <source>&lt;b&gt;Not in the backup, cannot be recovered&lt;/b&gt; (entered, kind, patient, observed, id):</source>
        <translation>&lt;b&gt;不在备份中，无法恢复&lt;/b&gt;（录入时间、类型、患者、观察时间、编号）：</translation>
    </message>
    <message>
        <source>Restore this backup and open</source>
        <translation>恢复此备份并打开</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>LOCKED OUT</source>
        <translation>已锁定</translation>
    </message>
    <message>
        <source>enabled</source>
        <translation>已启用</translation>
    </message>
    <message>
        <source>Users of this ward</source>
        <translation>本病区的用户</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Add user</source>
        <translation>添加用户</translation>
    </message>
    <message>
        <source>Disable the selected user</source>
        <translation>停用所选用户</translation>
    </message>
    <message>
        <source>Give the selected user this PIN</source>
        <translation>为所选用户设置此 PIN</translation>
    </message>
    <message>
        <source>Only {0}, who opened this window, can change users here: sign in as {0}.</source>
        <translation>只有打开此窗口的 {0} 可以在此更改用户：请以 {0} 身份登录。</translation>
    </message>
    <message>
        <source>{0} was added.</source>
        <translation>已添加 {0}。</translation>
    </message>
    <message>
        <source>{0} is disabled: they can no longer sign in.</source>
        <translation>{0} 已停用：无法再登录。</translation>
    </message>
    <message>
        <source>{0} has a new PIN; a lockout is lifted.</source>
        <translation>{0} 已设置新 PIN；锁定已解除。</translation>
    </message>
    <message>
        <source>Current grades signed: none</source>
        <translation>当前分级的签署：无</translation>
    </message>
    <message>
        <source>{0} grade {1} by {2} at {3}</source>
        <translation>{0} {1} 级，由 {2} 于 {3} 签署</translation>
    </message>
    <message>
        <source>Current grades signed: </source>
        <translation>当前分级的签署：</translation>
    </message>
    <message>
        <source>Sign grade</source>
        <translation>签署分级</translation>
    </message>
    <message>
        <source>Close episode</source>
        <translation>结束事件</translation>
    </message>
    <message>
        <source>Closing ends the episode: its maximum grade stays in the chart, a later fall needs no acknowledgement, and a new episode opens only with a fever (or a grade of 1 or more) observed after the closure. Your user id, the time and the reason are stored.</source>
        <translation>结束后该事件即告终止：其最高分级保留在病历中，之后的下降无需确认；只有在结束之后观察到的发热（或 1 级及以上的分级）才会开启新的事件。您的用户名、时间和原因都会被保存。</translation>
    </message>
    <message>
        <source>Close the episode</source>
        <translation>结束该事件</translation>
    </message>
    <message>
        <source>why the episode is over, e.g. afebrile 72 h, recovered</source>
        <translation>事件结束的原因，例如：无热 72 小时、已恢复</translation>
    </message>
    <message>
        <source>Episode</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>Now</source>
        <translation>当前</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>No CRS or ICANS episode is open: there is nothing to close.</source>
        <translation>没有未结束的 CRS 或 ICANS 事件：无需结束。</translation>
    </message>
    <message>
        <source>{0} episode open: current grade {1}, episode maximum {2} (assessment of {3})</source>
        <translation>{0} 事件未结束：当前分级 {1}，本次事件最高 {2}（{3} 的评估）</translation>
    </message>
    <message>
        <source>reason: say why the episode is closed, {0}–{1} characters</source>
        <translation>原因：请说明结束事件的原因，{0}–{1} 个字符</translation>
    </message>
    <message>
        <source>CRS</source>
        <translation>CRS</translation>
    </message>
    <message>
        <source>ICANS</source>
        <translation>ICANS</translation>
    </message>
    <message>
        <source>Sign</source>
        <translation>签署</translation>
    </message>
    <message>
        <source>Syndrome</source>
        <translation>综合征</translation>
    </message>
    <message>
        <source>Current grade</source>
        <translation>当前分级</translation>
    </message>
    <message>
        <source>Your PIN</source>
        <translation>您的 PIN</translation>
    </message>
    <message>
        <source>Your signature is stored with your user id and the time.</source>
        <translation>您的签署将与您的用户名和时间一同保存。</translation>
    </message>
    <message>
        <source>No observations charted yet: there is no grade to sign.</source>
        <translation>尚未录入任何观察：没有可签署的分级。</translation>
    </message>
    <message>
        <source>assessment of {0} ({1})</source>
        <translation>{0} 的评估（{1}）</translation>
    </message>
    <message>
        <source>Not signed in: Bedside met an unexpected error ({0}): report it.</source>
        <translation>未登录：Bedside 遇到意外错误（{0}）：请报告此问题。</translation>
    </message>
</context>
<context>
    <name>Alarm</name>
    <message>
        <source>the alarm sound file {0} is missing</source>
        <translation>警报声音文件 {0} 缺失</translation>
    </message>
    <message>
        <source>Qt Multimedia cannot load ({0})</source>
        <translation>无法加载 Qt Multimedia（{0}）</translation>
    </message>
    <message>
        <source>this machine has no audio output</source>
        <translation>本机没有音频输出</translation>
    </message>
    <message>
        <source>the alarm sound cannot be played on this machine</source>
        <translation>本机无法播放警报声音</translation>
    </message>
</context>
<context>
    <name>AlarmFlag</name>
    <message>
        <source>Alarm sound unavailable: {0}</source>
        <translation>警报声音不可用：{0}</translation>
    </message>
    <message numerus="yes">
        <source>ALARM: %n high-priority alert(s) to acknowledge</source>
        <translation>
            <numerusform>警报：%n 条高优先级警报待确认</numerusform>
        </translation>
    </message>
    <message>
        <source>no sound: {0}</source>
        <translation>无声音：{0}</translation>
    </message>
    <message numerus="yes">
        <source>sound muted for %n min</source>
        <translation>
            <numerusform>已静音 %n 分钟</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Core</name>
    <message>
        <source>CRS grade {0}</source>
        <translation>CRS {0} 级</translation>
    </message>
    <message>
        <source>ICANS grade {0}</source>
        <translation>ICANS {0} 级</translation>
    </message>
    <message>
        <source>NEWS2 {0}: emergency response</source>
        <translation>NEWS2 {0}：紧急响应（emergency response）</translation>
    </message>
    <message>
        <source>NEWS2 {0}: urgent response</source>
        <translation>NEWS2 {0}：急迫响应（urgent response）</translation>
    </message>
    <message>
        <source>NEWS2 {0} with a red score (3 in one parameter)</source>
        <translation>NEWS2 {0}，有红色评分（单项 3 分）</translation>
    </message>
    <message>
        <source>Bedside PEWS {0}</source>
        <translation>Bedside PEWS {0}</translation>
    </message>
    <message>
        <source>oxygen required for hypoxia</source>
        <translation>因低氧血症需要吸氧</translation>
    </message>
    <message>
        <source>vasopressor running</source>
        <translation>升压药正在使用</translation>
    </message>
    <message>
        <source>intracranial haemorrhage</source>
        <translation>颅内出血</translation>
    </message>
    <message>
        <source>fever before infusion: possible infection</source>
        <translation>输注前发热：可能为感染</translation>
    </message>
    <message>
        <source>afebrile for {0} h or more on the fever waiver: confirm or close the CRS episode</source>
        <translation>发热豁免期间已无发热 {0} 小时或更久：请确认或结束该 CRS 事件</translation>
    </message>
    <message>
        <source>hypotension or hypoxia without fever: consider sepsis, bleeding, infusion reaction</source>
        <translation>无发热的低血压或低氧血症：请考虑脓毒症、出血、输注反应</translation>
    </message>
    <message>
        <source>{0} not determinable: {1}</source>
        <translation>{0} 无法确定：{1}</translation>
    </message>
    <message>
        <source>{0} (stale)</source>
        <translation>{0}（已过时）</translation>
    </message>
    <message>
        <source>{0} not recorded</source>
        <translation>{0} 未记录</translation>
    </message>
    <message>
        <source>values missing</source>
        <translation>数值缺失</translation>
    </message>
    <message>
        <source>data missing</source>
        <translation>数据缺失</translation>
    </message>
    <message>
        <source>temperature</source>
        <translation>体温</translation>
    </message>
    <message>
        <source>{0} fell from grade {1} to {2}: acknowledge</source>
        <translation>{0} 从 {1} 级降至 {2} 级：请确认</translation>
    </message>
    <message>
        <source>overtaken by a rise to grade {0}</source>
        <translation>已被升至 {0} 级取代</translation>
    </message>
    <message>
        <source>vitals check overdue ({0})</source>
        <translation>生命体征评估已逾期（{0}）</translation>
    </message>
    <message>
        <source>neuro check overdue ({0})</source>
        <translation>神经评估已逾期（{0}）</translation>
    </message>
    <message>
        <source>waiting for {0}</source>
        <translation>等待 {0}</translation>
    </message>
    <message>
        <source>unacknowledged for {0} min: {1}</source>
        <translation>{0} 分钟未确认：{1}</translation>
    </message>
    <message>
        <source>{0}: every {1} h</source>
        <translation>{0}：每 {1} 小时</translation>
    </message>
    <message>
        <source>NEWS2 {0}: continuous</source>
        <translation>NEWS2 {0}：持续监测</translation>
    </message>
    <message>
        <source>CRS or ICANS active</source>
        <translation>CRS 或 ICANS 进行中</translation>
    </message>
    <message>
        <source>ICANS active</source>
        <translation>ICANS 进行中</translation>
    </message>
    <message>
        <source>lymphodepletion</source>
        <translation>淋巴细胞清除期</translation>
    </message>
    <message>
        <source>days 0–14</source>
        <translation>第 0–14 天</translation>
    </message>
    <message>
        <source>days 15–28</source>
        <translation>第 15–28 天</translation>
    </message>
    <message>
        <source>day 29 on: protocol visits</source>
        <translation>第 29 天起：按方案随访</translation>
    </message>
    <message>
        <source>no ward neuro schedule in this phase</source>
        <translation>此阶段无病区神经评估计划</translation>
    </message>
    <message>
        <source>baseline ICE/CAPD due before infusion</source>
        <translation>输注前应完成基线 ICE/CAPD</translation>
    </message>
    <message>
        <source>new neuro tool: a first check with it is the new baseline</source>
        <translation>神经评估工具已更换：首次评估即为新基线</translation>
    </message>
    <message>
        <source>vasopressor stopped: vitals within {0} min</source>
        <translation>升压药已停用：{0} 分钟内评估生命体征</translation>
    </message>
    <message>
        <source>; </source>
        <translation>；</translation>
    </message>
</context>
<context>
    <name>HistoryView</name>
    <message>
        <source>Show computed records (assessments, alert events)</source>
        <translation>显示计算生成的记录（评估、警报事件）</translation>
    </message>
</context>
<context>
    <name>Reason</name>
    <message>
        <source>{} running: not counted as a vasopressor</source>
        <translation>{} 正在使用：不计为升压药</translation>
    </message>
    <message>
        <source>multiple vasopressors running ({})[; if this is a switch between agents, it still counts (adjudicate)][; vasopressin does not count towards multiple][; SBP {n} on vasopressor, graded by requirement]</source>
        <translation>多种升压药正在使用（{}）[；即使是药物之间的切换也计入（需裁定）][；血管加压素不计入“多种”][；使用升压药时收缩压 SBP {n}，按用药需求分级]</translation>
    </message>
    <message>
        <source>vasopressor running ({})[; vasopressin does not count towards multiple][; SBP {n} on vasopressor, graded by requirement]</source>
        <translation>升压药正在使用（{}）[；血管加压素不计入“多种”][；使用升压药时收缩压 SBP {n}，按用药需求分级]</translation>
    </message>
    <message>
        <source>no SBP recorded and no vasopressor running</source>
        <translation>未记录收缩压 SBP，且无升压药正在使用</translation>
    </message>
    <message>
        <source>SBP {n} &lt; {n} (threshold for age)[; no vasopressor]</source>
        <translation>收缩压 SBP {n} &lt; {n}（年龄阈值）[；未用升压药]</translation>
    </message>
    <message>
        <source>SBP {n} ≥ {n} (threshold for age)[; no vasopressor]</source>
        <translation>收缩压 SBP {n} ≥ {n}（年龄阈值）[；未用升压药]</translation>
    </message>
    <message>
        <source>hypotension attributed to another cause</source>
        <translation>低血压已归因于其他原因</translation>
    </message>
    <message>
        <source>no oxygen device recorded</source>
        <translation>未记录给氧装置</translation>
    </message>
    <message>
        <source>room air</source>
        <translation>室内空气</translation>
    </message>
    <message>
        <source>oxygen by {}[ {n} L/min][: positive pressure][: facemask class (any flow)][: blow-by counts as low flow][ (flow not recorded: at least low flow)][: high flow (&gt; 6 L/min)][: low flow (≤ 6 L/min)][, indication unknown][ for another reason ({}): not counted]</source>
        <translation>给氧方式 {}[ {n} L/min][：正压][：面罩类（任何流量）][：吹氧按低流量计][（未记录流量：至少为低流量）][：高流量（&gt; 6 L/min）][：低流量（≤ 6 L/min）][，给氧指征未知][ 因其他原因（{}）：不计入]</translation>
    </message>
    <message>
        <source>temperature {n} °C[ ({n} °F)]: fever</source>
        <translation>体温 {n} °C[（{n} °F）]：发热</translation>
    </message>
    <message>
        <source>temperature {n} °C[ ({n} °F)]: no fever</source>
        <translation>体温 {n} °C[（{n} °F）]：无发热</translation>
    </message>
    <message>
        <source>before infusion: not CRS</source>
        <translation>输注前：不属于 CRS</translation>
    </message>
    <message>
        <source>fever attributed to another cause by a physician</source>
        <translation>发热已由医师归因于其他原因</translation>
    </message>
    <message>
        <source>no temperature: grade {n} if febrile</source>
        <translation>无体温记录：如发热则为 {n} 级</translation>
    </message>
    <message>
        <source>fever without hypotension or hypoxia</source>
        <translation>发热，无低血压或低氧血症</translation>
    </message>
    <message>
        <source>fever waiver: CRS fever treated earlier</source>
        <translation>发热豁免：CRS 发热此前已治疗</translation>
    </message>
    <message>
        <source>hypotension/hypoxia (grade {n}) without fever: not CRS</source>
        <translation>低血压/低氧血症（{n} 级）而无发热：不属于 CRS</translation>
    </message>
    <message>
        <source>afebrile for {n} h on the fever waiver (review after {n} h): consider other causes such as sepsis</source>
        <translation>发热豁免期间已无发热 {n} 小时（{n} 小时后复核）：请考虑脓毒症等其他原因</translation>
    </message>
    <message>
        <source>stale, treated as missing: {}</source>
        <translation>已过时，按缺失处理：{}</translation>
    </message>
    <message>
        <source>CAPD entered but ICE applies: not used</source>
        <translation>录入了 CAPD 但应使用 ICE：未采用</translation>
    </message>
    <message>
        <source>ICE entered but CAPD applies: not used</source>
        <translation>录入了 ICE 但应使用 CAPD：未采用</translation>
    </message>
    <message>
        <source>unarousable, unable to perform ICE</source>
        <translation>不可唤醒，无法进行 ICE</translation>
    </message>
    <message>
        <source>ICE not available ({})</source>
        <translation>ICE 无法评估（{}）</translation>
    </message>
    <message>
        <source>ICE {n}/10</source>
        <translation>ICE {n}/10</translation>
    </message>
    <message>
        <source>unarousable, unable to perform CAPD</source>
        <translation>不可唤醒，无法进行 CAPD</translation>
    </message>
    <message>
        <source>CAPD not available ({})</source>
        <translation>CAPD 无法评估（{}）</translation>
    </message>
    <message>
        <source>CAPD {n}/32[ (baseline {n})]</source>
        <translation>CAPD {n}/32[（基线 {n}）]</translation>
    </message>
    <message>
        <source>level of consciousness not recorded</source>
        <translation>未记录意识水平</translation>
    </message>
    <message>
        <source>awakens spontaneously</source>
        <translation>自主清醒</translation>
    </message>
    <message>
        <source>{}: attributed to sedation</source>
        <translation>{}：归因于镇静</translation>
    </message>
    <message>
        <source>{}</source>
        <translation>{}</translation>
    </message>
    <message>
        <source>seizure status not recorded</source>
        <translation>未记录癫痫发作情况</translation>
    </message>
    <message>
        <source>seizure: none</source>
        <translation>癫痫发作：无</translation>
    </message>
    <message>
        <source>seizure: {}[ ({n} min)][: attributed to another cause by a physician]</source>
        <translation>癫痫发作：{}[（{n} 分钟）][：已由医师归因于其他原因]</translation>
    </message>
    <message>
        <source>motor findings not recorded</source>
        <translation>未记录运动功能表现</translation>
    </message>
    <message>
        <source>motor: none</source>
        <translation>运动：无</translation>
    </message>
    <message>
        <source>motor: {}</source>
        <translation>运动：{}</translation>
    </message>
    <message>
        <source>raised ICP / oedema signs not recorded</source>
        <translation>未记录颅内压增高 / 脑水肿体征</translation>
    </message>
    <message>
        <source>raised ICP / oedema: none</source>
        <translation>颅内压增高 / 脑水肿：无</translation>
    </message>
    <message>
        <source>raised ICP / oedema: {}</source>
        <translation>颅内压增高 / 脑水肿：{}</translation>
    </message>
    <message>
        <source>intracranial haemorrhage: excluded from ICANS</source>
        <translation>颅内出血：不计入 ICANS</translation>
    </message>
    <message>
        <source>neuro check overdue: last {n} h ago, due every {n} h</source>
        <translation>神经评估已逾期：上次在 {n} 小时前，应每 {n} 小时一次</translation>
    </message>
    <message>
        <source>not applicable (age below 16)</source>
        <translation>不适用（年龄未满 16 岁）</translation>
    </message>
    <message>
        <source>not applicable (invasive ventilation)</source>
        <translation>不适用（有创通气）</translation>
    </message>
    <message>
        <source>RR {n}</source>
        <translation>呼吸频率 RR {n}</translation>
    </message>
    <message>
        <source>SpO2 {n}[ (scale 2)]</source>
        <translation>血氧饱和度 SpO2 {n}[（量表 2）]</translation>
    </message>
    <message>
        <source>air</source>
        <translation>空气</translation>
    </message>
    <message>
        <source>oxygen</source>
        <translation>吸氧</translation>
    </message>
    <message>
        <source>SBP {n}</source>
        <translation>收缩压 SBP {n}</translation>
    </message>
    <message>
        <source>pulse {n}</source>
        <translation>脉搏 {n}</translation>
    </message>
    <message>
        <source>ACVPU {}</source>
        <translation>ACVPU {}</translation>
    </message>
    <message>
        <source>temperature {n} °C</source>
        <translation>体温 {n} °C</translation>
    </message>
    <message>
        <source>incomplete: missing {}; partial sum {n}</source>
        <translation>不完整：缺少 {}；部分得分合计 {n}</translation>
    </message>
    <message>
        <source>HR {n} (1–4 years)[: {}]</source>
        <translation>心率 HR {n}（1–4 岁）[：{}]</translation>
    </message>
    <message>
        <source>HR {n} (4–12 years)[: {}]</source>
        <translation>心率 HR {n}（4–12 岁）[：{}]</translation>
    </message>
    <message>
        <source>HR {n} ({})[: {}]</source>
        <translation>心率 HR {n}（{}）[：{}]</translation>
    </message>
    <message>
        <source>SBP {n} (1–4 years)[: {}]</source>
        <translation>收缩压 SBP {n}（1–4 岁）[：{}]</translation>
    </message>
    <message>
        <source>SBP {n} (4–12 years)[: {}]</source>
        <translation>收缩压 SBP {n}（4–12 岁）[：{}]</translation>
    </message>
    <message>
        <source>SBP {n} ({})[: {}]</source>
        <translation>收缩压 SBP {n}（{}）[：{}]</translation>
    </message>
    <message>
        <source>RR {n} (1–4 years)[: {}]</source>
        <translation>呼吸频率 RR {n}（1–4 岁）[：{}]</translation>
    </message>
    <message>
        <source>RR {n} (4–12 years)[: {}]</source>
        <translation>呼吸频率 RR {n}（4–12 岁）[：{}]</translation>
    </message>
    <message>
        <source>RR {n} ({})[: {}]</source>
        <translation>呼吸频率 RR {n}（{}）[：{}]</translation>
    </message>
    <message>
        <source>capillary refill {n} s</source>
        <translation>毛细血管再充盈 {n} 秒</translation>
    </message>
    <message>
        <source>respiratory effort normal</source>
        <translation>呼吸做功正常</translation>
    </message>
    <message>
        <source>respiratory effort {}</source>
        <translation>呼吸做功 {}</translation>
    </message>
    <message>
        <source>SpO2 {n}</source>
        <translation>血氧饱和度 SpO2 {n}</translation>
    </message>
    <message>
        <source>oxygen ({})</source>
        <translation>吸氧（{}）</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>years</source>
        <translation>岁</translation>
    </message>
</context>
<context>
    <name>TrendView</name>
    <message>
        <source>24 h</source>
        <translation>24 小时</translation>
    </message>
    <message>
        <source>72 h</source>
        <translation>72 小时</translation>
    </message>
    <message>
        <source>7 d</source>
        <translation>7 天</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>No patient selected</source>
        <translation>未选择患者</translation>
    </message>
    <message>
        <source>Temp °C</source>
        <translation>体温 °C</translation>
    </message>
    <message>
        <source>HR /min</source>
        <translation>心率 次/分</translation>
    </message>
    <message>
        <source>SBP mmHg</source>
        <translation>收缩压 mmHg</translation>
    </message>
    <message>
        <source>RR /min</source>
        <translation>呼吸 次/分</translation>
    </message>
    <message>
        <source>SpO₂ %</source>
        <translation>SpO₂ %</translation>
    </message>
    <message>
        <source>O₂ L/min</source>
        <translation>氧流量 L/min</translation>
    </message>
    <message>
        <source>ICE / CAPD</source>
        <translation>ICE / CAPD</translation>
    </message>
    <message>
        <source>Grade</source>
        <translation>分级</translation>
    </message>
    <message>
        <source>Drugs</source>
        <translation>药物</translation>
    </message>
    <message>
        <source>fever ≥ {0} °C</source>
        <translation>发热 ≥ {0} °C</translation>
    </message>
    <message>
        <source>anti-cytokine</source>
        <translation>抗细胞因子药物</translation>
    </message>
    <message>
        <source>steroid</source>
        <translation>糖皮质激素</translation>
    </message>
    <message>
        <source>antipyretic</source>
        <translation>退热药</translation>
    </message>
    <message>
        <source>vasopressor</source>
        <translation>升压药</translation>
    </message>
    <message>
        <source>inotrope</source>
        <translation>正性肌力药</translation>
    </message>
    <message>
        <source>minimum and maximum per hour or more</source>
        <translation>每小时（或更长时段）的最小值与最大值</translation>
    </message>
    <message>
        <source>every measurement</source>
        <translation>每次测量</translation>
    </message>
    <message>
        <source>No data for this patient</source>
        <translation>该患者无数据</translation>
    </message>
    <message>
        <source>{0}: 0 points</source>
        <translation>{0}：0 分</translation>
    </message>
    <message>
        <source>{0} not assessable</source>
        <translation>{0} 无法评估</translation>
    </message>
    <message>
        <source>{0} {1} and above: ICANS grade {2}</source>
        <translation>{0} {1} 及以上：ICANS {2} 级</translation>
    </message>
    <message>
        <source>{0} grade not determinable</source>
        <translation>{0} 分级无法确定</translation>
    </message>
    <message>
        <source>▲ infusion started, ▼ stopped, ● dose given</source>
        <translation>▲ 开始输注，▼ 停止，● 单次给药</translation>
    </message>
</context>
</TS>
