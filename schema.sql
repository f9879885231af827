-- crmcli schema: the customer-management template (../shared/TEMPLATE.md) as tables.
-- This file is the one source of truth: `crm init` executes it, the package ships
-- it as package data, and src/crmcli/fields.py is tested against its CHECK lists.
--
-- Conventions
--   * Fixed labels are stored as canonical English values; CHECK constraints list
--     them. The Chinese labels and aliases live in the field registry (fields.py).
--   * Dates are TEXT 'YYYY-MM-DD'; date-times 'YYYY-MM-DD HH:MM:SS' (local time).
--   * Phones are stored normalised (13812345678, 010-62345678; outside the mainland
--     E.164: +85223456789); a masked phone
--     (138****5678) is never stored.
--   * created_at / updated_at are kept by the database: defaults and triggers.
--   * Every statement is idempotent (IF NOT EXISTS) so upgrades can re-run it.

PRAGMA foreign_keys = ON;

-- 客户基本信息 (all seeds) --------------------------------------------------------
CREATE TABLE IF NOT EXISTS customers (
    customer_id        TEXT PRIMARY KEY NOT NULL,               -- 客户编号 / 客户ID
    kind               TEXT CHECK (kind IN ('enterprise', 'individual')),          -- 客户类型(企业/个人)
    name               TEXT NOT NULL CHECK (length(trim(name)) > 0),              -- 客户全称 / 客户名称
    contact_name       TEXT,                                     -- 联系人姓名
    contact_title      TEXT,                                     -- 联系人职位
    phone              TEXT CHECK (phone IS NULL OR instr(phone, '*') = 0),       -- 联系电话 (never masked)
    email              TEXT CHECK (email IS NULL OR email LIKE '%_@_%'),          -- 联系邮箱
    industry           TEXT,                                     -- 所属行业 (GB/T 4754)
    size               TEXT,                                     -- 企业规模
    address            TEXT,                                     -- 公司地址 / 注册地址
    source             TEXT CHECK (source IN ('exhibition', 'referral', 'online_ads', 'outbound',
                                              'inquiry', 'website', 'data_platform', 'other')),  -- 客户来源
    customer_type      TEXT CHECK (customer_type IN ('new', 'returning', 'high_value',
                                                     'potential', 'lost')),     -- 客户类型 (seed 000)
    status             TEXT NOT NULL DEFAULT 'potential'
                       CHECK (status IN ('potential', 'intent', 'active', 'at_risk', 'lost')),  -- 合作状态
    lost_reason        TEXT,                                     -- 流失原因
    level              TEXT CHECK (level IN ('vip', 'normal', 'promising', 'churned',
                                             'high', 'medium', 'low')),          -- 客户等级
    first_contact_date TEXT CHECK (first_contact_date IS NULL OR first_contact_date GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),  -- 首次接触时间
    first_deal_date    TEXT CHECK (first_deal_date IS NULL OR first_deal_date GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),        -- 初始合作时间
    owner              TEXT,                                     -- 负责人
    needs              TEXT,                                     -- 需求背景 / 关键需求 / 需求与痛点
    budget             TEXT,                                     -- 预算范围
    decision_cycle     TEXT,                                     -- 决策周期
    satisfaction       INTEGER CHECK (satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5),  -- 满意度评分
    notes              TEXT,                                     -- 备注
    segment            TEXT,                                     -- 客户分层: latest `crm segment run`
    created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),  -- 创建时间
    updated_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime'))   -- 最后更新时间
);
CREATE INDEX IF NOT EXISTS idx_customers_name ON customers(name);
CREATE INDEX IF NOT EXISTS idx_customers_phone ON customers(phone);
CREATE INDEX IF NOT EXISTS idx_customers_email ON customers(email);
CREATE INDEX IF NOT EXISTS idx_customers_type ON customers(customer_type);
CREATE INDEX IF NOT EXISTS idx_customers_status ON customers(status);
CREATE INDEX IF NOT EXISTS idx_customers_segment ON customers(segment);

-- 联系人 (seed 001): several people per customer -----------------------------------
CREATE TABLE IF NOT EXISTS contacts (
    contact_id   INTEGER PRIMARY KEY,                            -- 联系人编号
    customer_id  TEXT NOT NULL REFERENCES customers(customer_id) ON DELETE CASCADE ON UPDATE CASCADE,
    name         TEXT NOT NULL CHECK (length(trim(name)) > 0),   -- 姓名
    role         TEXT NOT NULL DEFAULT 'related' CHECK (role IN ('main', 'related')),  -- 基础联系人 / 关联联系人
    title        TEXT,                                           -- 职位
    phone        TEXT CHECK (phone IS NULL OR instr(phone, '*') = 0),  -- 电话
    email        TEXT CHECK (email IS NULL OR email LIKE '%_@_%'),     -- 邮箱
    relation     TEXT,                                           -- 关系
    preference   TEXT CHECK (preference IN ('phone', 'email', 'wechat', 'sms', 'visit')),  -- 沟通偏好
    notes        TEXT,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime'))
);
CREATE INDEX IF NOT EXISTS idx_contacts_customer ON contacts(customer_id);
CREATE INDEX IF NOT EXISTS idx_contacts_phone ON contacts(phone);

-- 跟进记录 / 客户关系维护记录 / 客户联系记录 (seeds 000 001 002 003) ------------------
CREATE TABLE IF NOT EXISTS followups (
    followup_id  TEXT PRIMARY KEY NOT NULL,                      -- 跟进编号 F+YYYYMMDD+serial
    customer_id  TEXT NOT NULL REFERENCES customers(customer_id) ON DELETE CASCADE ON UPDATE CASCADE,
    date         TEXT NOT NULL CHECK (date GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]*'),  -- 跟进时间
    contact_name TEXT,                                           -- 对接人
    method       TEXT CHECK (method IN ('phone', 'email', 'visit', 'online_meeting', 'wechat')),  -- 跟进方式
    type         TEXT CHECK (type IN ('first_contact', 'need_followup', 'contract', 'maintenance', 'other')),  -- 跟进类型
    followed_by  TEXT,                                           -- 跟进人
    participants TEXT,                                           -- 参与人员
    summary      TEXT,                                           -- 沟通要点
    feedback     TEXT,                                           -- 客户反馈
    commitments  TEXT,                                           -- 承诺事项
    next_step    TEXT,                                           -- 下一步计划
    due_date     TEXT CHECK (due_date IS NULL OR due_date GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),  -- 预计完成时间
    done         INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),  -- 是否完成
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime'))
);
-- (date, customer_id) serves "follow-ups since X" scans that then join customers;
-- (customer_id, date …) and (followed_by …) come with the reports' indexes below.
CREATE INDEX IF NOT EXISTS idx_followups_date_customer ON followups(date, customer_id);

-- 交易信息 (seeds 000 004) ------------------------------------------------------------
CREATE TABLE IF NOT EXISTS orders (
    order_id     TEXT PRIMARY KEY NOT NULL,                      -- 订单编号 DD+YYYYMMDD+serial
    customer_id  TEXT NOT NULL REFERENCES customers(customer_id) ON DELETE CASCADE ON UPDATE CASCADE,
    date         TEXT NOT NULL CHECK (date GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),  -- 下单日期
    product      TEXT,                                           -- 产品/服务
    amount       REAL NOT NULL DEFAULT 0 CHECK (amount >= 0),    -- 金额(元)
    tax_included INTEGER NOT NULL DEFAULT 1 CHECK (tax_included IN (0, 1)),  -- 含税/不含税
    status       TEXT NOT NULL DEFAULT 'completed'
                 CHECK (status IN ('pending_payment', 'completed', 'cancelled', 'partial_refund')),  -- 订单状态
    owner        TEXT,                                           -- 负责人
    notes        TEXT,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime'))
);
-- Covering indexes: "an order in the last 3 months of at least X" reads only the index.
CREATE INDEX IF NOT EXISTS idx_orders_date_customer_amount ON orders(date, customer_id, amount);
CREATE INDEX IF NOT EXISTS idx_orders_customer_date_amount ON orders(customer_id, date, amount);

-- 服务信息 / 客户反馈跟踪 / 客户反馈与投诉 (seeds 000 002 003) ----------------------------
CREATE TABLE IF NOT EXISTS tickets (
    ticket_id    TEXT PRIMARY KEY NOT NULL,                      -- 服务编号 SR+YYYYMMDD+serial (S... kept)
    customer_id  TEXT NOT NULL REFERENCES customers(customer_id) ON DELETE CASCADE ON UPDATE CASCADE,
    date         TEXT NOT NULL CHECK (date GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]*'),  -- 请求时间
    type         TEXT CHECK (type IN ('product_inquiry', 'tech_support', 'complaint_suggestion', 'repair',
                                      'complaint', 'suggestion', 'praise', 'inquiry')),  -- 服务类型 / 反馈类型
    channel      TEXT CHECK (channel IN ('phone', 'email', 'survey', 'online_chat')),  -- 反馈渠道
    urgency      TEXT NOT NULL DEFAULT 'normal' CHECK (urgency IN ('normal', 'urgent', 'critical')),  -- 紧急程度
    description  TEXT,                                           -- 问题描述
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'in_progress', 'closed', 'needs_followup', 'done')),  -- 处理状态
    handler      TEXT,                                           -- 处理人
    plan         TEXT,                                           -- 处理方案
    result       TEXT,                                           -- 处理结果
    satisfaction INTEGER CHECK (satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5),  -- 满意度 1-5
    responded_at TEXT CHECK (responded_at IS NULL OR responded_at GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]*'),  -- 首次响应时间
    closed_at    TEXT CHECK (closed_at IS NULL OR closed_at GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]*'),        -- 关闭时间
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime'))
);
CREATE INDEX IF NOT EXISTS idx_tickets_date_customer ON tickets(date, customer_id, satisfaction);
CREATE INDEX IF NOT EXISTS idx_tickets_satisfaction ON tickets(satisfaction, customer_id);
CREATE INDEX IF NOT EXISTS idx_tickets_status ON tickets(status);

-- 客户需求与跟进表 (seeds 001 003) ------------------------------------------------------
CREATE TABLE IF NOT EXISTS needs (
    need_id             TEXT PRIMARY KEY NOT NULL,               -- 需求编号 D+YYYYMMDD+serial
    customer_id         TEXT NOT NULL REFERENCES customers(customer_id) ON DELETE CASCADE ON UPDATE CASCADE,
    date                TEXT CHECK (date IS NULL OR date GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),  -- 提出日期
    type                TEXT CHECK (type IN ('product_inquiry', 'customization', 'partnership')),  -- 需求类型
    description         TEXT,                                    -- 需求描述
    budget              TEXT,                                    -- 预算范围
    expected_delivery   TEXT CHECK (expected_delivery IS NULL OR expected_delivery GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),  -- 期望交付时间
    stage               TEXT CHECK (stage IN ('confirming', 'proposal', 'quotation', 'won', 'dropped')),  -- 跟进阶段
    department          TEXT,                                    -- 负责部门
    owner               TEXT,                                    -- 负责人
    expected_close_date TEXT CHECK (expected_close_date IS NULL OR expected_close_date GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),  -- 预计成交时间
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
    updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime'))
);
CREATE INDEX IF NOT EXISTS idx_needs_customer ON needs(customer_id);

-- 标签管理 / 客户分类与标签 (seeds 000 003) ----------------------------------------------
CREATE TABLE IF NOT EXISTS tags (
    customer_id TEXT NOT NULL REFERENCES customers(customer_id) ON DELETE CASCADE ON UPDATE CASCADE,
    tag         TEXT NOT NULL CHECK (length(trim(tag)) > 0),     -- 标签
    tag_group   TEXT NOT NULL DEFAULT 'other'
                CHECK (tag_group IN ('industry', 'need', 'behaviour', 'source', 'other')),  -- 标签分类
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),  -- 更新日期
    PRIMARY KEY (customer_id, tag)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_tags_tag ON tags(tag, customer_id);

-- Status history: every change of customers.status, for the funnel report. A
-- customer's first status is the old_status of its first row, or its current status.
CREATE TABLE IF NOT EXISTS status_history (
    id          INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(customer_id) ON DELETE CASCADE ON UPDATE CASCADE,
    old_status  TEXT,
    new_status  TEXT NOT NULL,
    changed_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime'))
);
CREATE INDEX IF NOT EXISTS idx_status_history_customer ON status_history(customer_id, changed_at);

-- 操作日志 (seed 003): who did what, when, and the rows it changed -------------------
CREATE TABLE IF NOT EXISTS operations (
    op_id      INTEGER PRIMARY KEY,
    ts         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
    user       TEXT NOT NULL,                                    -- OS user (or config `user`)
    command    TEXT NOT NULL,                                    -- the command line
    kind       TEXT NOT NULL,                                    -- add, update, tag, import, merge, ...
    summary    TEXT,                                             -- one line a person reads
    details    TEXT,                                             -- JSON: filter, counts, file ...
    undone_by  INTEGER REFERENCES operations(op_id)              -- set when `crm undo` reversed it
);
CREATE INDEX IF NOT EXISTS idx_operations_ts ON operations(ts);

CREATE TABLE IF NOT EXISTS changes (
    change_id   INTEGER PRIMARY KEY,
    op_id       INTEGER NOT NULL REFERENCES operations(op_id) ON DELETE CASCADE,
    table_name  TEXT NOT NULL,
    row_id      TEXT NOT NULL,                                   -- primary key of the changed row (JSON for composite)
    customer_id TEXT,                                            -- the customer it belongs to, for `show --history`
    action      TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
    old         TEXT,                                            -- JSON of the row before (NULL on insert)
    new         TEXT                                             -- JSON of the row after (NULL on delete)
);
CREATE INDEX IF NOT EXISTS idx_changes_op ON changes(op_id);
CREATE INDEX IF NOT EXISTS idx_changes_customer ON changes(customer_id);

-- Id serials: C/F/DD/SR/D + YYYYMMDD + serial, handed out inside write transactions --
CREATE TABLE IF NOT EXISTS id_counters (
    prefix TEXT NOT NULL,
    day    TEXT NOT NULL,
    last   INTEGER NOT NULL,
    PRIMARY KEY (prefix, day)
) WITHOUT ROWID;

-- Segments (seed 001 step 4): each run and every customer's tier in it --------------
CREATE TABLE IF NOT EXISTS segment_runs (
    run_id     INTEGER PRIMARY KEY,
    run_date   TEXT NOT NULL,                                    -- the day the run describes
    rules      TEXT NOT NULL,                                    -- the rules as run (TOML text)
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime'))
);
CREATE TABLE IF NOT EXISTS customer_segments (
    run_id      INTEGER NOT NULL REFERENCES segment_runs(run_id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL REFERENCES customers(customer_id) ON DELETE CASCADE ON UPDATE CASCADE,
    segment     TEXT NOT NULL,
    figures     TEXT,                                            -- JSON: yearly amount, repurchase rate ...
    PRIMARY KEY (run_id, customer_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_customer_segments_customer ON customer_segments(customer_id, run_id);

-- Merges (seeds 001 003: 一客一档): full snapshots so `crm unmerge` is exact ----------
CREATE TABLE IF NOT EXISTS merges (
    merge_id    INTEGER PRIMARY KEY,
    op_id       INTEGER REFERENCES operations(op_id),
    survivor_id TEXT NOT NULL,
    merged_ids  TEXT NOT NULL,                                   -- JSON array
    snapshot    TEXT NOT NULL,                                   -- JSON: every affected row before
    conflicts   TEXT,                                            -- JSON: field -> values that differed
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
    undone_at   TEXT
);
-- A merged-away customer row is deleted (its snapshot is in merges); its id keeps
-- resolving: `crm show OLD_ID` follows this table to the survivor.
CREATE TABLE IF NOT EXISTS merged_ids (
    old_id      TEXT PRIMARY KEY NOT NULL,
    survivor_id TEXT NOT NULL,
    merge_id    INTEGER NOT NULL REFERENCES merges(merge_id) ON DELETE CASCADE
) WITHOUT ROWID;

-- Dedupe decisions: pairs a person said are NOT the same customer (crm dedupe --not-same).
-- `crm dedupe` never proposes such a pair again and `crm maintain` never merges it. Plain ids,
-- no foreign keys: a decision outlives a delete that undo may reverse. customer_a < customer_b.
CREATE TABLE IF NOT EXISTS dedupe_decisions (
    customer_a TEXT NOT NULL,
    customer_b TEXT NOT NULL,
    decision   TEXT NOT NULL DEFAULT 'different' CHECK (decision IN ('different')),
    decided_by TEXT,
    decided_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
    PRIMARY KEY (customer_a, customer_b),
    CHECK (customer_a < customer_b)
) WITHOUT ROWID;

-- Triggers: timestamps and status history are the database's job ------------------
-- updated_at moves on every update unless the statement sets it itself (an exact
-- restore by unmerge/undo sets the old value and must keep it).
CREATE TRIGGER IF NOT EXISTS customers_touch AFTER UPDATE ON customers
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE customers SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')
    WHERE customer_id = NEW.customer_id;
END;
CREATE TRIGGER IF NOT EXISTS contacts_touch AFTER UPDATE ON contacts
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE contacts SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')
    WHERE contact_id = NEW.contact_id;
END;
CREATE TRIGGER IF NOT EXISTS followups_touch AFTER UPDATE ON followups
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE followups SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')
    WHERE followup_id = NEW.followup_id;
END;
CREATE TRIGGER IF NOT EXISTS orders_touch AFTER UPDATE ON orders
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE orders SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')
    WHERE order_id = NEW.order_id;
END;
CREATE TRIGGER IF NOT EXISTS tickets_touch AFTER UPDATE ON tickets
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE tickets SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')
    WHERE ticket_id = NEW.ticket_id;
END;
CREATE TRIGGER IF NOT EXISTS needs_touch AFTER UPDATE ON needs
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE needs SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')
    WHERE need_id = NEW.need_id;
END;

CREATE TRIGGER IF NOT EXISTS customers_status_update AFTER UPDATE OF status ON customers
WHEN NEW.status IS NOT OLD.status
BEGIN
    INSERT INTO status_history (customer_id, old_status, new_status)
    VALUES (NEW.customer_id, OLD.status, NEW.status);
END;

-- Reports (crm report) ------------------------------------------------------------------
-- Each report groups a big table by a few columns. SQLite groups by sorting unless the
-- rows arrive in group order, and sorting a million rows takes seconds; these covering
-- indexes deliver the rows already grouped, so every report stays well under 5 s on a
-- million customers (benchmarks/bench_reports.py).
CREATE INDEX IF NOT EXISTS idx_customers_industry ON customers(industry);
CREATE INDEX IF NOT EXISTS idx_customers_level ON customers(level);
CREATE INDEX IF NOT EXISTS idx_customers_kind ON customers(kind);
CREATE INDEX IF NOT EXISTS idx_customers_source_owner ON customers(source, owner, status, first_deal_date, customer_id);
CREATE INDEX IF NOT EXISTS idx_customers_first_contact ON customers(first_contact_date);
CREATE INDEX IF NOT EXISTS idx_orders_day_product_owner ON orders(date, product, owner, status, amount, customer_id);
CREATE INDEX IF NOT EXISTS idx_orders_customer_status ON orders(customer_id, status, date, amount, product, owner);
CREATE INDEX IF NOT EXISTS idx_tickets_report ON tickets(type, handler, channel, urgency, satisfaction, date, status, responded_at, closed_at, customer_id);
CREATE INDEX IF NOT EXISTS idx_followups_by_customer ON followups(followed_by, customer_id, date);
CREATE INDEX IF NOT EXISTS idx_followups_open_steps ON followups(done, followed_by, due_date, customer_id);
-- With a filter, reports seek each matching customer's rows; these cover what they read.
-- They also serve "no follow-up in 90 days" and max(date) per customer (they lead with customer_id, date).
CREATE INDEX IF NOT EXISTS idx_tickets_customer_report ON tickets(customer_id, date, satisfaction, type, handler, channel, urgency, status, responded_at, closed_at);
CREATE INDEX IF NOT EXISTS idx_followups_customer_report ON followups(customer_id, date, followed_by, done, due_date);

-- Segments: the figures the segment rules read (module `metrics`, 客户指标) --------
-- Rebuilt by every `crm segment run` in one INSERT … SELECT; `as_of` is the run date.
-- Definitions (which orders count, which year, repurchase rate …): README "Segments".
CREATE TABLE IF NOT EXISTS customer_metrics (
    customer_id            TEXT PRIMARY KEY NOT NULL REFERENCES customers(customer_id) ON DELETE CASCADE ON UPDATE CASCADE,
    as_of                  TEXT NOT NULL,                        -- 统计日期: the day the figures describe
    yearly_amount          REAL NOT NULL DEFAULT 0,              -- 年度金额: counted orders in the last 365 days
    orders_365d            INTEGER NOT NULL DEFAULT 0,           -- 年度订单数
    active_months          INTEGER NOT NULL DEFAULT 0,           -- 活跃月数: of the 12 30.4-day months of that year
    repurchase_rate        REAL NOT NULL DEFAULT 0,              -- 复购率 = active_months / 12
    prev_year_amount       REAL NOT NULL DEFAULT 0,              -- 上年金额: counted orders 366-730 days ago
    growth                 REAL,                                 -- 增长率 = yearly / previous year - 1 (NULL without a previous year)
    deals                  INTEGER NOT NULL DEFAULT 0,           -- 成交订单数: counted orders ever (up to as_of)
    last_order             TEXT,                                 -- 最近下单日期 (any status)
    last_followup          TEXT,                                 -- 最近跟进日期
    last_ticket            TEXT,                                 -- 最近服务日期
    last_interaction       TEXT,                                 -- 最近互动日期: latest of the three, else first contact / entry date
    days_since_followup    INTEGER,                              -- 距上次跟进天数
    days_since_interaction INTEGER,                              -- 距上次互动天数
    avg_satisfaction       REAL                                  -- 平均满意度: tickets of the last 365 days, else the card's score
) WITHOUT ROWID;
-- The counted orders (已完成, 部分退款) in customer order with what the figures read: the
-- yearly-amount GROUP BY scans this index alone (10x faster than sorting or probing the table).
CREATE INDEX IF NOT EXISTS idx_orders_counted ON orders(customer_id, date, amount)
    WHERE status IN ('completed', 'partial_refund');

-- Values kept aside (seed 003: quarterly clean-up of 无效联系方式) ----------------------
-- `crm import --keep-invalid` imports a row whose only fault is a bad cell (a landline
-- with a digit too many, an e-mail without a domain, an unreadable date): the field stays
-- empty and the cell's text waits here, shown by `crm show`, listed by `crm doctor`,
-- found by `crm query invalid=phone`, and cleared when `crm update` sets the field.
CREATE TABLE IF NOT EXISTS invalid_values (
    invalid_id  INTEGER PRIMARY KEY,
    table_name  TEXT NOT NULL,                                   -- customers, contacts, followups …
    row_id      TEXT NOT NULL,                                   -- that record's id
    customer_id TEXT REFERENCES customers(customer_id) ON DELETE CASCADE ON UPDATE CASCADE,
    field       TEXT NOT NULL,                                   -- English field name: phone, email, date …
    raw         TEXT NOT NULL,                                   -- the text as the file held it
    reason      TEXT NOT NULL,                                   -- why it was refused
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime')),
    UNIQUE (table_name, row_id, field)
);
CREATE INDEX IF NOT EXISTS idx_invalid_values_customer ON invalid_values(customer_id, field);
