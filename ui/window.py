"""The main window: the alert banner, the ward board and the patient view, menus and shortcuts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QT_TR_NOOP, QByteArray, QDir, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from bedside.alert_vocabulary import AlertStatus
from bedside.clinical.policy import SitePolicy
from bedside.staff import Action, Author
from bedside.ward import Failed, Invalid, Recorded, TickResult
from ui.alarm import Alarm, AlarmFlag
from ui.alert_list import AlertBanner
from ui.board import WardBoard, WardBoardModel, build_row
from ui.controller import WardController
from ui.dialogs import AboutDialog, HelpDialog
from ui.forms import AdmissionDialog
from ui.history import HistoryView
from ui.lock import IdleWatch, LockScreen, Unlock, close_popups, put_away_dialogs
from ui.patient import PatientView, admit_refusal_text
from ui.session import CurrentUser, FirstAdminDialog, LoginDialog, UserDialog, role_text
from ui.text import local_time, tr
from ui.translations import LANGUAGES, SETTING, SYSTEM, chosen_language
from ui.trends import TrendView

ACK_KEY = "acknowledge"
_MNEMONIC = re.compile(r"\(&\w\)|&(?=\w)")  # "病区(&W)", "&Ward": the underlined key
# Typical values of the board's columns up to "Next check", for their first widths (see _board_widths).
_WIDE_NAME = ("Bed 12", "Daniel Moreau")  # a bed and a name as wide as most
_ALERTS_SAMPLE = "1 unacknowledged (HIGH)"
_SAMPLE_DUE = datetime(2026, 12, 22, 21, 40, tzinfo=UTC)


class MainWindow(QMainWindow):
    """Signals:
    night_toggled(bool): the night theme was switched on or off.
    locked_changed(bool): the window was locked or unlocked.
    """

    night_toggled = Signal(bool)
    locked_changed = Signal(bool)

    def __init__(
        self,
        controller: WardController,
        user: CurrentUser,
        settings: QSettings,
        policy: SitePolicy,
        database: str,
        *,
        alarm: Alarm,
        trends: TrendView,
        history: HistoryView,
        unlock: Unlock,
        idle: IdleWatch | None = None,
        lock_notice: str = "",
        parent: QWidget | None = None,
    ) -> None:
        """`unlock` checks a user id and PIN at the lock screen (issue 10): the one place where the
        login plugs in. `idle` locks the window after the site policy's idle minutes."""
        super().__init__(parent)
        self.controller = controller
        self.user = user
        self.settings = settings
        self._language: str | None = None  # the language in force, read once (see _columns_key)
        self.policy = policy
        self.zone = policy.zone
        self.database = database
        self.chart = trends.chart
        self._title = tr("Bedside — {0}").format(database)
        self.setWindowTitle(self._title)
        self.banner = AlertBanner(self.zone, self)
        self.board_model = WardBoardModel(self)
        self.board = WardBoard(self.board_model, self)
        self.alarm = alarm
        self.alarm_flag = AlarmFlag(alarm, self)
        self.mute = QPushButton(tr("Mute alarm (Ctrl+M)"), self)
        self.mute.setObjectName("mute_alarm")
        self.patient = PatientView(controller, self.zone, self)
        self.patient.add_view(trends, tr("Trends"))
        self.patient.add_view(history, tr("History"))
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.board)
        self.pages.addWidget(self.patient)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.banner)
        alarm_row = QHBoxLayout()
        alarm_row.addWidget(self.alarm_flag, 1)
        alarm_row.addWidget(self.mute)
        layout.addLayout(alarm_row)
        layout.addWidget(self.pages, 1)
        self._content_layout = layout
        # Locked, the lock screen replaces the content (hidden, not merely covered: issue 10).
        self.content = central
        self.lock_screen = LockScreen(unlock, alarm, self.zone, notice=lock_notice, parent=self)
        self.screens = QStackedWidget(self)
        self.screens.addWidget(central)
        self.screens.addWidget(self.lock_screen)
        self.setCentralWidget(self.screens)
        self.idle = idle
        self._locked_author: Author | None = None
        self._held_dialogs: list[tuple[Author | None, AdmissionDialog]] = []
        self._enabled_actions: list[QAction] = []
        self._check_failed = False
        self._focus: QWidget | None = None
        self.user_label = QLabel(self)
        self.tick_label = QLabel(self)
        self.tick_label.setObjectName("tick_status")
        self.lock_button = QPushButton(tr("Lock (Ctrl+L)"), self)
        self.lock_button.setObjectName("lock")
        self.switch_button = QPushButton(tr("Switch user"), self)
        self.switch_button.setObjectName("switch_user")
        self.statusBar().addPermanentWidget(self.tick_label)
        self.statusBar().addPermanentWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.lock_button)
        self.statusBar().addPermanentWidget(self.switch_button)
        self._names: dict[str, str] = {}
        self._make_actions()
        self._connect_signals()
        self._restore()
        self.refresh_board()
        self._on_user_changed(user.author)

    # --- construction --------------------------------------------------------------------------------

    def _make_actions(self) -> None:
        def action(text: str, keys: str | QKeySequence.StandardKey, name: str) -> QAction:
            a = QAction(tr(text), self)
            # Qt's own tooltip only drops the "&": a Chinese "打印交班单(&H)…" kept "(H)".
            a.setToolTip(_MNEMONIC.sub("", a.text()).rstrip("…"))
            a.setObjectName(name)
            a.setShortcut(QKeySequence(keys))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(a)
            return a

        self.act_admit = action(QT_TR_NOOP("&Admit a patient…"), "Ctrl+N", "act_admit")
        self.act_user = action(QT_TR_NOOP("Switch &user"), "Ctrl+U", "act_user")
        self.act_users = action(QT_TR_NOOP("U&sers…"), "", "act_users")
        self.act_lock = action(QT_TR_NOOP("&Lock the screen"), "Ctrl+L", "act_lock")
        self.act_quit = action(
            QT_TR_NOOP("&Quit"), "Ctrl+Q", "act_quit"
        )  # as in the help, on every platform
        self.act_vitals = action(QT_TR_NOOP("New &vitals"), "F2", "act_vitals")
        self.act_neuro = action(QT_TR_NOOP("New &neuro check"), "F3", "act_neuro")
        self.act_drug = action(QT_TR_NOOP("&Drug or infusion"), "F4", "act_drug")
        self.act_ack = action(QT_TR_NOOP("&Acknowledge banner alert"), "F8", "act_ack")
        self.act_next = action(QT_TR_NOOP("Ne&xt patient"), "F6", "act_next")
        self.act_board = action(QT_TR_NOOP("&Ward board"), "Esc", "act_board")
        self.act_mute = action(QT_TR_NOOP("&Mute the alarm"), "Ctrl+M", "act_mute")
        self.act_night = action(QT_TR_NOOP("&Night theme"), "Ctrl+Shift+N", "act_night")
        self.act_night.setCheckable(True)
        self.act_night.setChecked(self.settings.value("theme/night", False, type=bool))
        self.act_handover = action(
            QT_TR_NOOP("Print &handover of this patient…"), "Ctrl+P", "act_handover"
        )
        self.act_handover_ward = action(
            QT_TR_NOOP("Print handover of the whole &ward…"), "Ctrl+Shift+P", "act_handover_ward"
        )
        self.act_sync = action(QT_TR_NOOP("&Sync now"), "F5", "act_sync")
        self.act_sync.setEnabled(False)  # until a hub is set (ui/app.py)
        self.act_help = action(QT_TR_NOOP("&Keyboard shortcuts"), "F1", "act_help")
        self.act_about = action(QT_TR_NOOP("&About Bedside"), "", "act_about")
        menus = self.menuBar()
        ward = menus.addMenu(tr("&Ward"))
        ward.setToolTipsVisible(True)  # a disabled action says why (Admit… for an admin)
        for a in (
            self.act_admit,
            self.act_board,
            self.act_next,
            self.act_handover_ward,
            self.act_sync,
            self.act_lock,
            self.act_user,
            self.act_users,
            self.act_quit,
        ):
            ward.addAction(a)
        patient = menus.addMenu(tr("&Patient"))
        for a in (
            self.act_vitals,
            self.act_neuro,
            self.act_drug,
            self.act_ack,
            self.act_mute,
            self.act_handover,
        ):
            patient.addAction(a)
        view = menus.addMenu(tr("&View"))
        view.addAction(self.act_night)
        language = view.addMenu(tr("&Language"))
        language.setObjectName("menu_language")
        self.language_group = QActionGroup(self)
        current = str(self.settings.value(SETTING, SYSTEM) or SYSTEM)
        for code, name in ((SYSTEM, tr("System default")), *LANGUAGES.items()):
            a = QAction(name, self)
            a.setObjectName(f"act_language_{code}")
            a.setData(code)
            a.setCheckable(True)
            a.setChecked(code == current)
            self.language_group.addAction(a)
            language.addAction(a)
        help_menu = menus.addMenu(tr("&Help"))
        help_menu.addAction(self.act_help)
        help_menu.addAction(self.act_about)

    def _connect_signals(self) -> None:
        # menus and shortcuts
        self.act_admit.triggered.connect(self.admit)
        self.act_user.triggered.connect(self.switch_user)
        self.act_users.triggered.connect(self.manage_users)
        self.act_lock.triggered.connect(self.lock)
        self.act_quit.triggered.connect(self.close)
        self.act_vitals.triggered.connect(self._on_vitals_triggered)
        self.act_neuro.triggered.connect(self._on_neuro_triggered)
        self.act_drug.triggered.connect(self._on_drug_triggered)
        self.act_ack.triggered.connect(self._on_ack_triggered)
        self.act_next.triggered.connect(self.next_patient)
        self.act_board.triggered.connect(self.show_board)
        self.act_night.toggled.connect(self._on_night_toggled)
        self.act_mute.triggered.connect(self.alarm.mute)
        self.mute.clicked.connect(self.alarm.mute)
        # the alarm: the mute button only while it sounds
        self.alarm.sounding_changed.connect(self._on_alarm_changed)
        self.alarm.muted_changed.connect(self._on_alarm_changed)
        self.act_handover.triggered.connect(self._on_handover_triggered)
        self.act_handover_ward.triggered.connect(self.print_ward_handover)
        self.act_help.triggered.connect(self._on_help_triggered)
        self.act_about.triggered.connect(self._on_about_triggered)
        self.language_group.triggered.connect(self._on_language_triggered)
        # board and banner
        self.board.patient_opened.connect(self.open_patient)
        self.board.handover_requested.connect(self.print_ward_handover)
        self.banner.acknowledge_requested.connect(self.acknowledge)
        self.banner.open_requested.connect(self.open_patient)
        # patient view
        self.patient.acknowledge_requested.connect(self.acknowledge)
        self.patient.back_requested.connect(self.show_board)
        self.patient.handover_requested.connect(self.print_handover)
        # the ward service, through the controller
        self.controller.patient_changed.connect(self._on_patient_changed)
        self.controller.ward_changed.connect(self.refresh_board)
        self.controller.tick_reported.connect(self._on_tick_reported)
        self.controller.background_failed.connect(self._on_background_failed)
        self.controller.invalid.connect(self._on_controller_invalid)
        self.controller.failed.connect(self._on_controller_failed)
        self.controller.recorded.connect(self._on_controller_recorded)
        # who is charting, the lock
        self.user.changed.connect(self._on_user_changed)
        self.lock_button.clicked.connect(self.lock)
        self.switch_button.clicked.connect(self.switch_user)
        self.lock_screen.unlocked.connect(self._on_lock_screen_unlocked)
        if self.idle is not None:
            self.idle.idle.connect(self.lock)
        # remembered layout
        self.board.table.horizontalHeader().sectionResized.connect(self._save_columns)
        self.board.table.horizontalHeader().sectionMoved.connect(self._save_columns)

    def _restore(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            room = self.screen().availableGeometry()  # logical pixels: a 2× screen has half as many
            self.resize(min(1280, room.width()), min(760, room.height()))
        columns = self.settings.value(self._columns_key())
        if isinstance(columns, QByteArray):
            self.board.table.horizontalHeader().restoreState(columns)
        else:
            for col, width in enumerate(self._board_widths()):
                self.board.table.setColumnWidth(col, width)

    def _board_widths(self) -> list[int]:
        """Each column wide enough for its header and a typical value on one line, in the table's
        font: a larger font keeps them on one line (pixel widths would wrap or elide them). The last
        column stretches into the room left; without room the board scrolls sideways."""
        table, header = self.board.table, self.board.table.horizontalHeader()
        cells, titles = table.fontMetrics(), header.fontMetrics()
        pad = cells.horizontalAdvance("M")
        sort_arrow = titles.height()
        due = tr("{0} at {1}").format(tr("vitals"), local_time(_SAMPLE_DUE, self.zone))
        grade = tr("{0} (max {1})").format("≥ 3", "3")
        # The samples in the words of the board's own cells, so that a translation fits too.
        samples = (*_WIDE_NAME, tr("{0} y").format(16), tr("Day {0:+d}").format(20), grade, grade,
                   "NEWS2 12", "CAPD", due, tr(_ALERTS_SAMPLE))  # fmt: skip
        widths = []
        for col, sample in enumerate(samples):
            title = str(self.board_model.headerData(col, Qt.Orientation.Horizontal))
            widths.append(
                max(
                    cells.horizontalAdvance(sample) + pad,
                    titles.horizontalAdvance(title) + sort_arrow + pad,
                    header.sectionSizeHint(col),  # the style's margins around the title
                )
            )
        return widths

    def _save_columns(self, *_: object) -> None:
        self.settings.setValue(self._columns_key(), self.board.table.horizontalHeader().saveState())

    def _columns_key(self) -> str:
        """The board's column widths are remembered per language: widths made for English words
        would wrap or cut the Chinese ones."""
        if self._language is None:
            self._language = chosen_language(self.settings)  # the one in force since the start
        return f"board/columns/{self._language}"

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self._save_columns()
        super().closeEvent(event)

    # --- the board and the banner ------------------------------------------------------------------

    def refresh_board(self) -> None:
        """Every row brought up to date, row by row (a tick may change due times everywhere)."""
        now = self.controller.now()
        rows = self.controller.board() + self.controller.board(discharged=True)
        self._names = {r.patient_id: r.admission.name for r in rows}
        self.board_model.set_rows([build_row(r, now, self.zone) for r in rows])
        self._refresh_banner()
        if self.patient.patient_id:
            self.patient.refresh()

    def _on_patient_changed(self, patient_id: str) -> None:
        summary = self.controller.summary(patient_id)
        if summary is not None:
            self._names[patient_id] = summary.admission.name
            self.board_model.update_row(build_row(summary, self.controller.now(), self.zone))
        self._refresh_banner()
        if self.patient.patient_id == patient_id:
            self.patient.refresh()

    def _refresh_banner(self) -> None:
        on_ward = {r for r in self.board_model.patient_ids()}
        alerts = [a for a in self.controller.open_alerts() if a.patient_id in on_ward]
        self.banner.show_alerts(alerts, self._names)
        self.lock_screen.show_alerts(alerts)
        # Every open alert in its current state: audible ones sound, the others leave the alarm.
        self.alarm.raise_for(self.controller.open_alerts())
        self._on_alarm_changed()

    def add_flag(self, flag: QWidget) -> None:
        """A technical alert's flag, shown under the alarm row (hidden, like the rest, when locked)."""
        self._content_layout.insertWidget(self._content_layout.indexOf(self.pages), flag)

    def _on_alarm_changed(self, *_: object) -> None:
        self.mute.setVisible(self.alarm.sounding)
        self.mute.setEnabled(not self.alarm.muted)
        self.alarm_flag.setVisible(self.alarm.sounding or self.alarm.audio_problem is not None)

    def show_board(self) -> None:
        self.pages.setCurrentWidget(self.board)
        self.board.table.setFocus()

    def open_patient(self, patient_id: str) -> None:
        self.patient.show_patient(patient_id)
        self.pages.setCurrentWidget(self.patient)

    def next_patient(self) -> None:
        if self.pages.currentWidget() is self.patient:
            self.board.table.selectRow(self._board_row(self.patient.patient_id))
        patient_id = self.board.select_next()
        if patient_id and self.pages.currentWidget() is self.patient:
            self.open_patient(patient_id)

    def _board_row(self, patient_id: str | None) -> int:
        for row in range(self.board.proxy.rowCount()):
            if self.board.proxy.index(row, 0).data(Qt.ItemDataRole.UserRole + 1) == patient_id:
                return row
        return -1

    # --- actions ---------------------------------------------------------------------------------------

    def admit(self) -> None:
        author = self.user.author
        if author is not None and not author.may(Action.ADMIT):
            self.statusBar().showMessage(admit_refusal_text(author), 10000)
            return
        dialog = AdmissionDialog(self.controller, self.zone, self)
        dialog.admitted.connect(self._on_admission_admitted)
        dialog.open()

    def _on_admission_admitted(self, patient_id: str) -> None:
        self._on_patient_changed(patient_id)
        self.open_patient(patient_id)

    def ask_user(self, user_id: str = "") -> bool:
        """Who is charting, at start (issue 10): on a ward with users, the login (user id and PIN);
        on a ward without, its first admin is created (and signed in). False: cancelled."""
        if self.controller.has_users():
            login = LoginDialog(self.controller, user_id, self)
            author = login.author if login.exec() == QDialog.DialogCode.Accepted else None
        else:
            first = FirstAdminDialog(self.controller, self)
            author = first.author if first.exec() == QDialog.DialogCode.Accepted else None
        if author is None:
            return False
        self.user.sign_in(author)
        return True

    def ask_who_is_charting(self) -> bool:
        """A ward without users, as before users existed: a user id and a role, no PIN."""
        dialog = UserDialog(self.user.author, self)
        if dialog.exec() == UserDialog.DialogCode.Accepted:
            self.user.sign_in(dialog.author())
            return True
        return False

    def manage_users(self) -> None:
        """Ward › Users… (admins only): the ward's users, add, disable, reset a PIN."""
        from ui.users import UsersDialog

        author = self.user.author
        if author is None or not author.may(Action.MANAGE_USERS):
            return
        UsersDialog(self.controller, author, self.zone, self).open()

    def acknowledge(self, alert_id: str) -> None:
        alert = next((a for a in self.controller.open_alerts() if a.alert_id == alert_id), None)
        patient_id = alert.patient_id if alert else ""
        self.controller.submit(
            ACK_KEY,
            patient_id,
            lambda author: lambda ward: ward.acknowledge(alert_id, author=author),
        )

    def _on_ack_triggered(self) -> None:
        alert = self.banner.alert
        if alert is not None and alert.status is AlertStatus.ACTIVE:
            self.acknowledge(alert.alert_id)

    def _current_patient(self) -> str | None:
        if self.pages.currentWidget() is self.patient and self.patient.patient_id:
            return self.patient.patient_id
        chosen = self.board.selected_patient()
        if chosen:
            self.open_patient(chosen)
        return chosen

    def _on_vitals_triggered(self) -> None:
        if self._current_patient():
            self.patient.focus_form("vitals")

    def _on_neuro_triggered(self) -> None:
        if self._current_patient():
            self.patient.focus_form("neuro")

    def _on_drug_triggered(self) -> None:
        if self._current_patient():
            self.patient.focus_form("drug")

    # --- the handover ------------------------------------------------------------------------------------

    def _on_handover_triggered(self) -> None:
        """The patient shown, or the one selected on the board."""
        if self.pages.currentWidget() is self.patient and self.patient.patient_id:
            self.print_handover(self.patient.patient_id)
            return
        chosen = self.board.selected_patient()
        if chosen:
            self.print_handover(chosen)
        else:
            self.statusBar().showMessage(
                tr("Select a patient on the board first (or print the whole ward's handover)."),
                8000,
            )

    def print_ward_handover(self) -> None:
        self.print_handover(None)

    def print_handover(self, patient_id: str | None) -> str | None:
        """Save the handover of one patient (or of the ward, None) as a PDF where the user says;
        returns the file written, or None (cancelled, or refused with a message)."""
        from ui.handover import HandoverError, default_page_size, handover_patients
        from ui.handover import write_handover_pdf as write

        now = self.controller.now()
        stamp = now.astimezone(self.zone).strftime("%Y%m%d-%H%M")
        name = f"handover-{patient_id or 'ward'}-{stamp}.pdf"
        path = self.ask_handover_path(name)
        if not path:
            return None
        try:
            ward = self.controller.ward
            patients = handover_patients(ward, patient_id)
            pages = write(
                path,
                ward,
                self.chart,
                patients,
                now=now,
                database=self.database,
                page_size=default_page_size(),
            )
        except HandoverError as err:
            QMessageBox.warning(self, tr("Handover not saved"), str(err))
            return None
        self.statusBar().showMessage(
            tr("Handover saved: {0} page(s) in {1}").format(pages, path), 10000
        )
        return path

    def ask_handover_path(self, name: str) -> str:
        """The PDF file to write, chosen by the user ("" when cancelled)."""
        folder = self.settings.value("handover/folder", QDir.homePath(), type=str)
        path, _ = QFileDialog.getSaveFileName(
            self, tr("Save the handover as PDF"), str(Path(folder) / name), tr("PDF (*.pdf)")
        )
        if path:
            self.settings.setValue("handover/folder", str(Path(path).parent))
        return path

    def _on_night_toggled(self, night: bool) -> None:
        self.settings.setValue("theme/night", night)
        self.night_toggled.emit(night)

    def _on_language_triggered(self, action: QAction) -> None:
        self.settings.setValue(SETTING, action.data())
        self.statusBar().showMessage(
            tr("The language changes when Bedside is started again."), 15000
        )

    def _on_help_triggered(self) -> None:
        HelpDialog(self).exec()

    def _on_about_triggered(self) -> None:
        AboutDialog(self.policy, self).exec()

    # --- what the service said -------------------------------------------------------------------------

    def _on_controller_recorded(self, key: str, patient_id: str, result: Recorded) -> None:
        if key == ACK_KEY:
            self.alarm.acknowledged(str(getattr(result.record.record, "alert_id", "")))
            self.statusBar().showMessage(tr("Alert acknowledged."), 5000)

    def _on_controller_invalid(self, key: str, result: Invalid) -> None:
        if key == ACK_KEY:
            self.statusBar().showMessage("; ".join(e.message for e in result.errors), 10000)

    def _on_controller_failed(self, key: str, result: Failed) -> None:
        if key == ACK_KEY and not self.locked:  # locked: the alert stays open on the lock screen
            QMessageBox.warning(self, tr("Not saved"), result.message)

    def _on_tick_reported(self, result: TickResult) -> None:
        if result.ok:
            self.tick_label.setText(
                tr("Alerts checked at {0}").format(
                    self.controller.now().astimezone(self.zone).strftime("%H:%M")
                )
            )
            self.tick_label.setStyleSheet("")
            self._set_check_failed(False)
            return
        problems = [f.message for f in result.failed.values()]
        if result.ward_failed is not None:
            problems.insert(0, result.ward_failed.message)
        self.tick_label.setText(tr("ALERT CHECK FAILED: {0}").format(" ".join(problems)))
        self.tick_label.setStyleSheet("color: white; background: #b00020; font-weight: bold")
        self._set_check_failed(True)

    def _on_background_failed(self, sentence: str) -> None:
        self.tick_label.setText(tr("ALERT CHECK FAILED: {0}").format(sentence))
        self.tick_label.setStyleSheet("color: white; background: #b00020; font-weight: bold")
        self._set_check_failed(True)

    def _set_check_failed(self, failed: bool) -> None:
        self._check_failed = failed
        self.lock_screen.set_check_failed(failed)

    def _update_user_actions(self) -> None:
        author = self.user.author
        self.act_users.setEnabled(
            author is not None
            and author.may(Action.MANAGE_USERS)
            and self.controller.has_users()
            and not self.locked
        )
        # Issue 10: nurses and physicians admit and discharge; an admin (or a review station) does not.
        may_admit = author is None or author.may(Action.ADMIT)  # nobody: locked, all disabled
        self.act_admit.setEnabled(may_admit and not self.locked)
        self.act_admit.setToolTip(
            _MNEMONIC.sub("", self.act_admit.text()).rstrip("…")
            if may_admit or author is None
            else admit_refusal_text(author)
        )

    def _on_user_changed(self, author: Author | None) -> None:
        self._update_user_actions()
        if author is None:
            self.user_label.setText(tr("Nobody signed in"))
        else:
            self.user_label.setText(
                tr("Charting as {0} ({1})").format(author.user_id, role_text(author.role))
            )

    # --- the lock (issue 10) ---------------------------------------------------------------------------

    @property
    def locked(self) -> bool:
        return self.screens.currentWidget() is self.lock_screen

    def switch_user(self) -> None:
        """One click: lock, with the user id empty for the next user."""
        self.lock(switch=True)

    def lock(self, *, switch: bool = False) -> None:
        """Hide every patient detail behind the lock screen; alerts stay counted and the alarm sounds.

        Nobody is signed in until the unlock: nothing can be saved. Drafts stay with their author.
        """
        if self.locked:
            if switch:
                self.lock_screen.prepare(self._locked_author, self.controller.now(), switch=True)
            return
        author = self.user.author
        self._locked_author = author
        close_popups()
        self._held_dialogs += [(author, d) for d in put_away_dialogs(self)]
        for _, dialog in self._held_dialogs:
            if dialog.form.owner is None:
                dialog.form.owner = author
        self.patient.mark_drafts(author)
        self._enabled_actions = [a for a in self.actions() if a.isEnabled()]
        for a in self._enabled_actions:
            a.setEnabled(False)  # no shortcut reaches the hidden content
        self.menuBar().hide()
        self.statusBar().hide()
        self.setWindowTitle(tr("Bedside — locked"))
        self._focus = self.focusWidget()
        # Said only while PINs are not checked (a ward without users).
        self.lock_screen.notice.setVisible(
            bool(self.lock_screen.notice.text()) and not self.controller.has_users()
        )
        self.screens.setCurrentWidget(self.lock_screen)
        self._refresh_banner()  # the lock screen's counts, from the same alerts as the banner
        self.lock_screen.set_check_failed(self._check_failed)
        self.lock_screen.prepare(author, self.controller.now(), switch=switch)
        self.user.sign_out()
        self.locked_changed.emit(True)

    def _on_lock_screen_unlocked(self, author: Author) -> None:
        previous = self._locked_author
        self.user.sign_in(author)
        self.patient.hand_over(previous, author)
        for a in self._enabled_actions:
            a.setEnabled(True)
        self._enabled_actions = []
        self.menuBar().show()
        self.statusBar().show()
        self.setWindowTitle(self._title)
        self.screens.setCurrentWidget(self.content)
        if previous is not None and previous.user_id == author.user_id and self._focus is not None:
            self._focus.setFocus()  # back where they were typing
        self._focus = None
        if self.idle is not None:
            self.idle.reset()
        mine = [
            d for owner, d in self._held_dialogs if owner is None or owner.user_id == author.user_id
        ]
        self._held_dialogs = [(o, d) for o, d in self._held_dialogs if d not in mine]
        for dialog in mine:
            dialog.open()
        self._update_user_actions()  # Users… is the admin's, whoever locked
        self.locked_changed.emit(False)
