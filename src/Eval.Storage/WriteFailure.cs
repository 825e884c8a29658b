using Microsoft.Data.Sqlite;

namespace Eval.Storage;

/// <summary>
/// Turns SQLite's "database or disk is full" (SQLITE_FULL) and "disk I/O error" (SQLITE_IOERR, what creating the -wal or
/// -shm file on a full disk gives) into a message that names the store and says what to do. SQLite rolls the failed
/// transaction back, so what was stored before is intact; the message says so.
/// </summary>
internal static class WriteFailure
{
    private const int SqliteIoErr = 10, SqliteFull = 13;

    /// <summary>Below this much free space the disk counts as full: SQLite needs room for its -shm file and a page or two.</summary>
    private const long NearlyFull = 1 << 20;

    /// <summary>The message for a failed write to the store at <paramref name="path"/>, or null when the error is something else.</summary>
    public static string? Describe(string path, SqliteException e)
    {
        // The low byte is the primary result code, whether or not SQLite reported an extended one.
        int primary = e.SqliteErrorCode & 0xFF;
        if (primary is not (SqliteIoErr or SqliteFull)) return null;
        long? free = FreeBytes(path);
        string why = primary == SqliteFull || free < NearlyFull
            ? "the disk is full" + (free is long bytes ? $" ({bytes:N0} bytes free)" : "")
            : $"the write failed (disk I/O error{(free is long left ? $", {left:N0} bytes free" : "")})";
        return $"{path}: the result store cannot be written: {why}. Results already stored there are kept; " +
               "free some space on that disk (or use another database) and run the command again.";
    }

    private static long? FreeBytes(string path)
    {
        try
        {
            string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
            return folder is null ? null : new DriveInfo(folder).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { return null; }
    }
}
