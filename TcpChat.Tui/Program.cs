return 0; // the client arrives with its views
