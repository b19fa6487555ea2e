/*
 * A headless host for Moddable `lin` apps: loads an app's mc.so (built by `mcconfig -m -p lin`),
 * launches it as the SDK's simulator does (fxScreenLaunch) and runs GLib's main loop, which
 * drives the lin timers and sockets, with no display and no GTK.
 *
 *   xsmqtt-lin-host [--timeout SECONDS] path/to/mc.so
 *
 * Exit status: what the app asked for with screen.postMessage("exit N"); 124 when the time
 * limit passed first (as timeout(1)); 70 when XS aborted (the reason is printed).
 */
#include <dlfcn.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "screen.h"

static GMainLoop *gLoop;
static int gStatus = 124;
static guint gIdleSource;

static void quit(int status)
{
	gStatus = status;
	g_main_loop_quit(gLoop);
}

static void onAbort(txScreen *screen, int status)
{
	fprintf(stderr, "xsmqtt-lin-host: XS aborted (status %d)\n", status);
	quit(70);
}

static void onPost(txScreen *screen, char *message, int size)
{
	/* A string arrives with size 0; an ArrayBuffer with its length. */
	char text[64];
	int n = size > 0 ? size : (int)strlen(message);
	if (n >= (int)sizeof(text))
		n = sizeof(text) - 1;
	memcpy(text, message, n);
	text[n] = 0;
	if (strncmp(text, "exit ", 5) == 0)
		quit(atoi(text + 5));
}

static gboolean onIdle(gpointer data)
{
	txScreen *screen = data;
	if (screen->idle)
		(*screen->idle)(screen);
	return G_SOURCE_CONTINUE;
}

static void onStart(txScreen *screen, double interval)
{
	if (!gIdleSource)
		gIdleSource = g_timeout_add((guint)(interval > 1 ? interval : 1), onIdle, screen);
}

static void onStop(txScreen *screen)
{
	if (gIdleSource) {
		g_source_remove(gIdleSource);
		gIdleSource = 0;
	}
}

static void onChanged(txScreen *screen) {}

static gboolean onTimeout(gpointer data)
{
	fprintf(stderr, "xsmqtt-lin-host: time limit reached\n");
	quit(124);
	return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
	double timeout = 60;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			timeout = atof(argv[++i]);
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else {
			fprintf(stderr, "usage: xsmqtt-lin-host [--timeout SECONDS] path/to/mc.so\n");
			return 2;
		}
	}
	if (!path || timeout <= 0) {
		fprintf(stderr, "usage: xsmqtt-lin-host [--timeout SECONDS] path/to/mc.so\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	void *library = dlopen(path, RTLD_NOW);
	if (!library) {
		fprintf(stderr, "xsmqtt-lin-host: %s\n", dlerror());
		return 2;
	}
	txScreenLaunchProc launch = (txScreenLaunchProc)dlsym(library, "fxScreenLaunch");
	if (!launch) {
		fprintf(stderr, "xsmqtt-lin-host: %s\n", dlerror());
		return 2;
	}

	/* A 1 x 1 screen: the lin runtime's screen module wants one; nothing draws here. */
	txScreen *screen = calloc(1, sizeof(txScreen) + 4 * screenBytesPerPixel);
	screen->width = 1;
	screen->height = 1;
	screen->abort = onAbort;
	screen->bufferChanged = onChanged;
	screen->formatChanged = onChanged;
	screen->post = onPost;
	screen->start = onStart;
	screen->stop = onStop;
	mxCreateMutex(&screen->workersMutex);

	gLoop = g_main_loop_new(NULL, FALSE);
	g_timeout_add((guint)(timeout * 1000), onTimeout, NULL);
	(*launch)(screen);
	if (!screen->machine) {
		fprintf(stderr, "xsmqtt-lin-host: the app's machine could not be made\n");
		gStatus = 70;
	}
	else if (gStatus == 124)
		g_main_loop_run(gLoop);
	fflush(stdout);
	/* The machine is left to the process's exit: an app's sockets and timers may still be live. */
	_exit(gStatus);
}
