using System.Globalization;
using System.Runtime.InteropServices;

namespace Eval.Torch.Runtime;

/// <summary>
/// The C environment that native libraries (OpenMP, MKL, libtorch) read when they load. Environment.SetEnvironmentVariable
/// does not reach it on Unix; setenv does. On Windows the CRT reads the process environment block, which .NET sets.
/// </summary>
internal static partial class NativeEnvironment
{
    public static void Set(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (!OperatingSystem.IsWindows() && SetNative(name, value, 1) != 0)
            throw new InvalidOperationException($"setenv({name}={value}) failed with errno {Marshal.GetLastPInvokeError().ToString(CultureInfo.InvariantCulture)}.");
    }

    public static string? Get(string name) => OperatingSystem.IsWindows() ? Environment.GetEnvironmentVariable(name) : Marshal.PtrToStringUTF8(GetNative(name));

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int SetNative(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetNative(string name);
}
