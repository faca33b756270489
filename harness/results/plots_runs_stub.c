/* TEMPORARY, delete at the merge with the plots branch: a weak stand-in for
 * ipcb_plots_render_runs until plots.c defines it, so the report over several
 * runs builds and says that its plots are not built yet. */
#include "plots_runs_stub.h"
#include "textfile.h"

__attribute__((weak)) int ipcb_plots_render_runs(const char *outdir, const char *const *runs,
                                                 const char *const *labels, size_t nruns,
                                                 const char *scripts_dir, char *err,
                                                 size_t errlen)
{
    (void)outdir;
    (void)runs;
    (void)labels;
    (void)nruns;
    (void)scripts_dir;
    ipcb_set_err(err, errlen, "not built yet");
    return -1;
}
