using System.Runtime.InteropServices;

namespace Travelers.Runtime.Tests;

/// <summary>
/// The processor time the calling thread has used. Unlike a stopwatch it leaves out the time the thread waited for a
/// core, which on a loaded machine (CI runs every test project, and each project's classes, in parallel on two cores)
/// can be most of the time that passes: a bound on it is a bound on the work done, not on the machine's load.
/// </summary>
internal static class ThreadCpuTime
{
    /// <summary>The calling thread's processor time so far (user and kernel).</summary>
    public static TimeSpan Now()
    {
        if (OperatingSystem.IsWindows())
        {
            if (!GetThreadTimes(GetCurrentThread(), out _, out _, out long kernel, out long user))
            {
                throw new InvalidOperationException($"GetThreadTimes failed: {Marshal.GetLastPInvokeError()}.");
            }

            return TimeSpan.FromTicks(kernel + user); // both in 100 ns units, as ticks are
        }

        // CLOCK_THREAD_CPUTIME_ID: 3 on Linux, 16 on macOS.
        if (clock_gettime(OperatingSystem.IsMacOS() ? 16 : 3, out Timespec now) != 0)
        {
            throw new InvalidOperationException($"clock_gettime failed: {Marshal.GetLastPInvokeError()}.");
        }

        return TimeSpan.FromTicks((now.Seconds * TimeSpan.TicksPerSecond) + (now.Nanoseconds / 100));
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int clock_gettime(int clock, out Timespec time);

    [DllImport("kernel32", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static extern bool GetThreadTimes(IntPtr thread, out long creation, out long exit, out long kernel, out long user);

    [DllImport("kernel32")]
    private static extern IntPtr GetCurrentThread();

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
