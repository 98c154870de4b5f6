Console.WriteLine("tcpchat");
