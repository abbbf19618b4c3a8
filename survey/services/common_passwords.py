"""Passwords of at least 10 characters that appear high in lists of leaked passwords (lower case).

Shipped as code so it is always in the package. Together with the minimum length this refuses the
passwords an attacker tries first; it is not meant to be complete.
"""

COMMON_PASSWORDS = frozenset(["1234567890", "0123456789", "0987654321", "9876543210", "1234567891", "1234512345",
                              "1122334455", "1212121212", "1234554321", "123456789a", "a123456789", "123456789q",
                              "q123456789", "1q2w3e4r5t", "1qaz2wsx3edc", "qwertyuiop", "qwertzuiop", "asdfghjkl1",
                              "asdfghjklö", "yxcvbnm123", "qwert12345", "qwerty1234", "qwertz1234", "qwerty123456",
                              "qwertz123456", "abcdefghij", "abc1234567", "abcdef1234", "password12", "password123",
                              "password1234", "passwort12", "passwort123", "passwort1234", "passwort12345",
                              "passwort2024", "passwort2025", "passwort2026", "passwort!", "passwort!!", "kennwort123",
                              "kennwort1234", "geheim1234", "geheim12345", "geheimnis1", "geheimnis123", "hallo12345",
                              "hallo123456", "hallohallo", "hallo1234!", "willkommen", "willkommen1", "willkommen123",
                              "willkommen2024", "willkommen2025", "willkommen2026", "sommer2024", "sommer2025",
                              "sommer2026", "winter2024", "winter2025", "winter2026", "fruehling2025", "herbst2025",
                              "januar2025", "januar2026", "dezember2025", "dezember2026", "iloveyou12", "iloveyou123",
                              "ichliebedich", "ichliebedich1", "schatz1234", "fussball12", "fussball123", "fußball123",
                              "schalke04!", "borussia09", "dortmund09", "bayern1900", "deutschland", "deutschland1",
                              "deutschland123", "lueckenlos", "lückenlos", "lueckenlos1", "lückenlos1", "lueckenlos123",
                              "lückenlos123", "administrator", "admin12345", "admin123456", "administrator1",
                              "letmein123", "welcome123", "welcome1234", "changeme123", "changeme12", "trustno1234",
                              "starwars123", "football123", "baseball123", "superman123", "princess123", "sunshine123",
                              "computer12", "computer123", "internet123", "master1234", "dragon1234", "monkey1234",
                              "shadow1234", "michael123", "jennifer12", "charlie123", "pokemon123", "1111111111",
                              "2222222222", "0000000000", "1234567890a", "aaaaaaaaaa"])
