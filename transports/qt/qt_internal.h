/* What the Qt transport files share (private to transports/qt/): the C
 * contract they implement, the one QCoreApplication of a process and the
 * event loop every wait of theirs runs, and an error line from a QString. */
#ifndef IPCB_QT_INTERNAL_H
#define IPCB_QT_INTERNAL_H

extern "C" {
#include "transport.h"
}

#include <QString>
#include <functional>

/* qt_app.cc */

/* Creates this process's QCoreApplication on first use (on the calling
 * thread, which runs ipcbench's timing loop or its peer), as a Qt program
 * has one; it lives until the process exits. The C locale that ipcbench
 * prints figures in is kept (QCoreApplication sets the user's). */
void ipcb_qt_app_ensure();

/* Runs the calling thread's Qt event loop until done() holds or timeout_ms
 * have passed; done() is checked first and after each batch of events.
 * Returns 0 when done, 1 on timeout. */
int ipcb_qt_run_until(const std::function<bool()> &done, int timeout_ms);

/* Writes text as the one-line error of a transport call (IPCB_ERR_MAX). */
void ipcb_qt_error(char *err, const QString &text);

#endif
