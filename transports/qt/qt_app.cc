/* The Qt side of a process: its one QCoreApplication, created when the first
 * Qt transport needs it, and the event loop that every wait of the Qt
 * transports runs, so replies, socket data and timers arrive as in a Qt program. */
#include "interrupt.h"
#include "qt_internal.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QStringList>
#include <QTimer>

#include <clocale>
#include <cstdio>
#include <string>

namespace {

int app_argc = 1;
char app_name[] = "ipcbench";
char *app_argv[] = { app_name, nullptr };

} // namespace

void ipcb_qt_app_ensure()
{
    if (QCoreApplication::instance())
        return;
    const char *current = setlocale(LC_ALL, nullptr);
    std::string locale = current ? current : "C";
    new QCoreApplication(app_argc, app_argv); /* kept until exit, as in main() of a Qt program */
    setlocale(LC_ALL, locale.c_str());
    /* No Qt plugins: the Qt transports need none, and QNetworkAccessManager
     * would load the bearer plugins, which look for NetworkManager and
     * connman on the system bus (ipcbench stays off the machine's buses) and,
     * the generic one, poll the network interfaces every 10 s. */
    QCoreApplication::setLibraryPaths(QStringList());
}

int ipcb_qt_run_until(const std::function<bool()> &done, int timeout_ms)
{
    if (done())
        return 0;
    QDeadlineTimer deadline(timeout_ms > 0 ? timeout_ms : 0, Qt::PreciseTimer);
    QTimer wake; /* ends the last wait at the deadline */
    wake.setSingleShot(true);
    wake.setTimerType(Qt::PreciseTimer);
    while (!done()) {
        qint64 left = deadline.remainingTime();
        if (left <= 0 || ipcb_interrupted) /* the harness calls the latter interrupted */
            return 1;
        if (!wake.isActive()) /* a timer may fire a little early: then wait for the rest;
                                 in slices, to see Ctrl-C */
            wake.start(ipcb_interrupt_slice(left));
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    }
    return 0;
}

void ipcb_qt_error(char *err, const QString &text)
{
    snprintf(err, IPCB_ERR_MAX, "%s", text.toUtf8().constData());
}
