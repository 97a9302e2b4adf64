using System;

namespace Travelers;

/// <summary>
/// A remote call failed on the other side or could not complete: the server's method threw (the message is
/// <c>"{ExceptionType}: {message}"</c>, never its stack trace), the server refused the call (ownership,
/// visibility, rate), or the connection closed while the call was pending.
/// </summary>
public sealed class RpcException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    public RpcException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public RpcException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RpcException()
        : base("A remote call failed.")
    {
    }
}
